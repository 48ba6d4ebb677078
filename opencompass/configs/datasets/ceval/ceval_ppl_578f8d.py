"""The name OpenCompass's examples import for ``ceval_ppl`` (the same prompt)."""
from mmengine.config import read_base

with read_base():
    from .ceval_ppl import ceval_datasets  # noqa: F401
