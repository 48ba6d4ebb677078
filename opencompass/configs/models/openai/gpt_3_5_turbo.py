"""OpenAI's gpt-3.5-turbo through the chat completions API.

The key is read from the environment variable OPENAI_API_KEY (``key='ENV'``); never write it
here. Set ``openai_api_base`` for another OpenAI-compatible server.
"""
from opencompass.models import OpenAISDK

models = [
    dict(
        type=OpenAISDK,
        abbr='gpt-3.5-turbo',
        path='gpt-3.5-turbo',
        key='ENV',
        query_per_second=1,
        max_out_len=2048,
        max_seq_len=4096,
        batch_size=8,
        retry=5,
    )
]
