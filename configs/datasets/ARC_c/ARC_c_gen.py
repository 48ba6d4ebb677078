"""``opencompass.configs.datasets.ARC_c.ARC_c_gen`` with its data at
path='./data/ARC/ARC-c/ARC-Challenge-Test.jsonl'
(the layout of docs/benchmarks-and-data.md, relative to the directory run from)."""
from mmengine.config import read_base

with read_base():
    from opencompass.configs.datasets.ARC_c.ARC_c_gen import (
        ARC_c_datasets as _base_datasets,
    )

ARC_c_datasets = [dict(_d, path='./data/ARC/ARC-c/ARC-Challenge-Test.jsonl')
                  for _d in _base_datasets]
