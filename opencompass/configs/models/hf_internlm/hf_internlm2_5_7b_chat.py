"""internlm/internlm2_5-7b-chat (chat), through its own chat template.

``path`` is a Hugging Face hub id (found in the local hub cache) or a local directory.
"""
from opencompass.models import HuggingFacewithChatTemplate

models = [
    dict(
        type=HuggingFacewithChatTemplate,
        abbr='internlm2_5-7b-chat-hf',
        path='internlm/internlm2_5-7b-chat',
        max_out_len=4096,
        batch_size=8,
        run_cfg=dict(num_gpus=1),
    )
]
