"""The summary groups of ``opencompass.configs.summarizers.groups.mmlu``."""
from mmengine.config import read_base

with read_base():
    from opencompass.configs.summarizers.groups.mmlu import mmlu_summary_groups  # noqa: F401
