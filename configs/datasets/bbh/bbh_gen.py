"""``opencompass.configs.datasets.bbh.bbh_gen`` with its data at
path='./data/BBH/data', prompt_path='./data/BBH/lib_prompt'
(the layout of docs/benchmarks-and-data.md, relative to the directory run from)."""
from mmengine.config import read_base

with read_base():
    from opencompass.configs.datasets.bbh.bbh_gen import (
        bbh_datasets as _base_datasets,
    )

bbh_datasets = [dict(_d, path='./data/BBH/data', prompt_path='./data/BBH/lib_prompt')
                for _d in _base_datasets]
