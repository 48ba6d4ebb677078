"""Partitioners split models x datasets into tasks."""
from ..utils.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    'BasePartitioner': '.base',
    'NaivePartitioner': '.naive',
    'SizePartitioner': '.size',
    'NumWorkerPartitioner': '.num_worker',
})
