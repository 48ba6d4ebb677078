"""Dataset loaders. Each turns files under a data root into rows (plain dicts)."""
from ..utils.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    'BaseDataset': '.base',
    'CustomDataset': '.custom',
})
