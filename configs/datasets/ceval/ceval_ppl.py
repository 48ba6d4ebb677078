"""``opencompass.configs.datasets.ceval.ceval_ppl`` with its data at
path='./data/ceval/formal_ceval'
(the layout of docs/benchmarks-and-data.md, relative to the directory run from)."""
from mmengine.config import read_base

with read_base():
    from opencompass.configs.datasets.ceval.ceval_ppl import (
        ceval_datasets as _base_datasets,
    )

ceval_datasets = [dict(_d, path='./data/ceval/formal_ceval')
                  for _d in _base_datasets]
