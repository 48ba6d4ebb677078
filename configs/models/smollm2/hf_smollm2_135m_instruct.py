"""``opencompass.configs.models.smollm2.hf_smollm2_135m_instruct`` (used by ``make demo``)."""
from mmengine.config import read_base

with read_base():
    from opencompass.configs.models.smollm2.hf_smollm2_135m_instruct import models  # noqa: F401
