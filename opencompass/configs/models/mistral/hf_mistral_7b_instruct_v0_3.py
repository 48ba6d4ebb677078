"""mistralai/Mistral-7B-Instruct-v0.3 (chat), through its own chat template.

``path`` is a Hugging Face hub id (found in the local hub cache) or a local directory.
"""
from opencompass.models import HuggingFacewithChatTemplate

models = [
    dict(
        type=HuggingFacewithChatTemplate,
        abbr='mistral-7b-instruct-v0.3-hf',
        path='mistralai/Mistral-7B-Instruct-v0.3',
        max_out_len=4096,
        batch_size=8,
        run_cfg=dict(num_gpus=1),
    )
]
