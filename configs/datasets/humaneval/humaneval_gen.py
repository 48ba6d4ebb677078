"""``opencompass.configs.datasets.humaneval.humaneval_gen``, unchanged (its data ships in a package)."""
from mmengine.config import read_base

with read_base():
    from opencompass.configs.datasets.humaneval.humaneval_gen import (  # noqa: F401
        humaneval_datasets,
    )
