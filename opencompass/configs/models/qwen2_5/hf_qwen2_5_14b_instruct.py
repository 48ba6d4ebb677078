"""Qwen/Qwen2.5-14B-Instruct (chat), through its own chat template.

``path`` is a Hugging Face hub id (found in the local hub cache) or a local directory.
"""
from opencompass.models import HuggingFacewithChatTemplate

models = [
    dict(
        type=HuggingFacewithChatTemplate,
        abbr='qwen2.5-14b-instruct-hf',
        path='Qwen/Qwen2.5-14B-Instruct',
        max_out_len=4096,
        batch_size=8,
        run_cfg=dict(num_gpus=2),
    )
]
