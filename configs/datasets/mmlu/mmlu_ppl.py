"""``opencompass.configs.datasets.mmlu.mmlu_ppl`` with its data at
path='./data/mmlu'
(the layout of docs/benchmarks-and-data.md, relative to the directory run from)."""
from mmengine.config import read_base

with read_base():
    from opencompass.configs.datasets.mmlu.mmlu_ppl import (
        mmlu_datasets as _base_datasets,
    )

mmlu_datasets = [dict(_d, path='./data/mmlu')
                 for _d in _base_datasets]
