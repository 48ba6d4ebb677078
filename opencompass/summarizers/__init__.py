"""Summarizers read ``results/`` and write the report in ``summary/``."""
from ..utils.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    'DefaultSummarizer': '.default',
    'CircularSummarizer': '.circular',
    'Summarizer': '.base',
})
