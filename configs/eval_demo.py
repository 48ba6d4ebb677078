"""The demo: SmolLM2-135M-Instruct on two small datasets, offline, in a few minutes on CPU.

    python run.py configs/eval_demo.py
"""
from mmengine.config import read_base

with read_base():
    from .datasets.demo.demo_arith_gen import demo_arith_datasets
    from .datasets.demo.demo_facts_ppl import demo_facts_datasets
    from .models.smollm2.hf_smollm2_135m_instruct import models

datasets = [*demo_arith_datasets, *demo_facts_datasets]
