"""``opencompass.configs.datasets.ARC_e.ARC_e_gen`` with its data at
path='./data/ARC/ARC-e/ARC-Easy-Test.jsonl'
(the layout of docs/benchmarks-and-data.md, relative to the directory run from)."""
from mmengine.config import read_base

with read_base():
    from opencompass.configs.datasets.ARC_e.ARC_e_gen import (
        ARC_e_datasets as _base_datasets,
    )

ARC_e_datasets = [dict(_d, path='./data/ARC/ARC-e/ARC-Easy-Test.jsonl')
                  for _d in _base_datasets]
