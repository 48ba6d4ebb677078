"""``opencompass.configs.datasets.hellaswag.hellaswag_ppl`` with its data at
path='./data/hellaswag/hellaswag_val.jsonl'
(the layout of docs/benchmarks-and-data.md, relative to the directory run from)."""
from mmengine.config import read_base

with read_base():
    from opencompass.configs.datasets.hellaswag.hellaswag_ppl import (
        hellaswag_datasets as _base_datasets,
    )

hellaswag_datasets = [dict(_d, path='./data/hellaswag/hellaswag_val.jsonl')
                      for _d in _base_datasets]
