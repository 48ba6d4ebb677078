"""The model compute of the overhead benchmark, with no orchestration: a plain script.

``python compute_alone.py MODEL_DIR DATA_DIR ROWS N_MODELS`` imports torch and
transformers, loads the model ``N_MODELS`` times and runs the forward passes an
evaluation of the 4 benchmark datasets needs (same prompts, batch size 4, 6 new
tokens for generation, one scoring pass per label for multiple choice).
"""
from __future__ import annotations

import json
import os
import sys


def rows(path: str, n: int) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()][:n]


def main(model_dir: str, data_dir: str, n: int, n_models: int) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    torch.set_num_threads(1)
    gen = [f"Q: {r['question']}\nA: " for r in rows(os.path.join(data_dir, 'arith.jsonl'), n)]
    mc = [f"{r['question']}\nA. {r['A']}\nB. {r['B']}\nC. {r['C']}\nD. {r['D']}Answer: {lab}"
          for r in rows(os.path.join(data_dir, 'mc.jsonl'), n) for lab in 'ABCD']
    for _ in range(n_models):
        tok = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True).eval()
        for _copy in range(2):  # each dataset appears twice (arith/arith2, mc/mc2)
            tok.padding_side = 'left'
            for i in range(0, len(gen), 4):
                enc = tok(gen[i:i + 4], return_tensors='pt', padding=True)
                with torch.no_grad():
                    model.generate(**enc, max_new_tokens=6, do_sample=False,
                                   pad_token_id=tok.pad_token_id)
            tok.padding_side = 'right'
            for i in range(0, len(mc), 16):
                enc = tok(mc[i:i + 16], return_tensors='pt', padding=True)
                with torch.no_grad():
                    model(**enc)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
