"""The summary groups of ``opencompass.configs.summarizers.groups.bbh``."""
from mmengine.config import read_base

with read_base():
    from opencompass.configs.summarizers.groups.bbh import bbh_summary_groups  # noqa: F401
