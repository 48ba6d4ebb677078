"""Notifications about a run: the Lark (Feishu) bot."""
from ..utils.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    'LarkReporter': '.lark',
    'RunNotifier': '.messages',
})
