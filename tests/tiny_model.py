"""Build a tiny, deterministic Llama model and byte-level tokenizer on local disk.

Nothing is downloaded: the tokenizer is trained on the help texts that ship
with Python (``pydoc_data.topics``) and the weights are random with a fixed seed.
Run as a script to build one: ``python tests/tiny_model.py OUT_DIR``.
"""
from __future__ import annotations

import os
import sys


def build_tiny_model(out_dir: str, seed: int = 0, vocab_size: int = 512,
                     hidden_size: int = 64) -> str:
    """Write a 2-layer, 4-head Llama (hidden 64 unless told) with its tokenizer to ``out_dir``.

    vLLM's CPU attention needs head_dim 64: ``hidden_size=256`` (tests/test_vllm.py).
    """
    if os.path.exists(os.path.join(out_dir, 'config.json')):
        return out_dir
    from pydoc_data.topics import topics

    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=['<s>', '</s>', '<pad>'],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(list(topics.values()), trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token='<s>', eos_token='</s>',
                                   pad_token='<pad>')
    fast.chat_template = (
        "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}</s>\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>\n{% endif %}")
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(fast), hidden_size=hidden_size,
                         intermediate_size=2 * hidden_size,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
                         max_position_embeddings=512, bos_token_id=fast.bos_token_id,
                         eos_token_id=fast.eos_token_id, pad_token_id=fast.pad_token_id,
                         tie_word_embeddings=True)
    model = LlamaForCausalLM(config)
    tmp = out_dir + '.tmp'
    model.save_pretrained(tmp)
    fast.save_pretrained(tmp)
    os.replace(tmp, out_dir)
    return out_dir


if __name__ == '__main__':
    print(build_tiny_model(sys.argv[1]))
