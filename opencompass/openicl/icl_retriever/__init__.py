"""Retrievers choose the in-context examples (from the train split) for each test sample."""
from ...utils.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    'BaseRetriever': '.icl_base_retriever',
    'ZeroRetriever': '.icl_zero_retriever',
    'FixKRetriever': '.icl_fix_k_retriever',
})
