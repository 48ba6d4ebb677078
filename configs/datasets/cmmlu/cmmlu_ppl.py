"""``opencompass.configs.datasets.cmmlu.cmmlu_ppl`` with its data at
path='./data/cmmlu'
(the layout of docs/benchmarks-and-data.md, relative to the directory run from)."""
from mmengine.config import read_base

with read_base():
    from opencompass.configs.datasets.cmmlu.cmmlu_ppl import (
        cmmlu_datasets as _base_datasets,
    )

cmmlu_datasets = [dict(_d, path='./data/cmmlu')
                  for _d in _base_datasets]
