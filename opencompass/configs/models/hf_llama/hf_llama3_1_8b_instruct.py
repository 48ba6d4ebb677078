"""meta-llama/Meta-Llama-3.1-8B-Instruct (chat), through its own chat template.

``path`` is a Hugging Face hub id (found in the local hub cache) or a local directory.
"""
from opencompass.models import HuggingFacewithChatTemplate

models = [
    dict(
        type=HuggingFacewithChatTemplate,
        abbr='llama-3_1-8b-instruct-hf',
        path='meta-llama/Meta-Llama-3.1-8B-Instruct',
        max_out_len=4096,
        batch_size=8,
        stop_words=['<|end_of_text|>', '<|eot_id|>'],
        run_cfg=dict(num_gpus=1),
    )
]
