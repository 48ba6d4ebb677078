"""Lazy package exports: ``from pkg import Name`` imports only Name's module."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, names: dict[str, str]) -> tuple[Callable[[str], Any], list[str]]:
    """Return a module ``__getattr__`` and ``__all__`` for ``names`` -> relative module."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f'module {package!r} has no attribute {name!r}')
        module = importlib.import_module(names[name], package)
        return getattr(module, name)

    return __getattr__, sorted(names)
