"""``opencompass.configs.datasets.humaneval.humaneval_completion_gen``, unchanged (data: a package)."""
from mmengine.config import read_base

with read_base():
    from opencompass.configs.datasets.humaneval.humaneval_completion_gen import (  # noqa: F401
        humaneval_datasets,
    )
