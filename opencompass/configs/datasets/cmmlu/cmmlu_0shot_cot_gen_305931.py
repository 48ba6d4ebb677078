"""The name OpenCompass's examples import for ``cmmlu_gen`` (the same zero-shot prompt)."""
from mmengine.config import read_base

with read_base():
    from .cmmlu_gen import cmmlu_datasets  # noqa: F401
