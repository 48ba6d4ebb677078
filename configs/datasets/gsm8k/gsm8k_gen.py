"""``opencompass.configs.datasets.gsm8k.gsm8k_gen`` with its data at
path='./data/gsm8k'
(the layout of docs/benchmarks-and-data.md, relative to the directory run from)."""
from mmengine.config import read_base

with read_base():
    from opencompass.configs.datasets.gsm8k.gsm8k_gen import (
        gsm8k_datasets as _base_datasets,
    )

gsm8k_datasets = [dict(_d, path='./data/gsm8k')
                  for _d in _base_datasets]
