"""Qwen/Qwen2.5-7B (base model): prompts are plain text, no chat template.

``path`` is a Hugging Face hub id (found in the local hub cache) or a local directory.
"""
from opencompass.models import HuggingFaceCausalLM

models = [
    dict(
        type=HuggingFaceCausalLM,
        abbr='qwen2.5-7b-hf',
        path='Qwen/Qwen2.5-7B',
        max_out_len=1024,
        batch_size=8,
        run_cfg=dict(num_gpus=1),
    )
]
