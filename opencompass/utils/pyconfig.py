"""Read a self-contained Python config without mmengine (its import costs ~0.5 s).

A config that inherits from others (``read_base()`` or ``_base_``) or uses
mmengine's ``{{ fileDirname }}``-style variables still goes through mmengine,
which knows those rules; every other config is plain Python and is simply run.
Both ways give the same top-level names and values.
"""
from __future__ import annotations

import builtins
import os
import re
from typing import Any

_NEEDS_MMENGINE = re.compile(
    r'read_base|_base_|mmengine|\{\{\s*file(Dirname|Basename|BasenameNoExtension|Extname)\s*\}\}')


def needs_mmengine(text: str) -> bool:
    """True when the config text uses a feature only mmengine's loader provides."""
    return bool(_NEEDS_MMENGINE.search(text))


def plain_python_values(path: str) -> dict[str, Any] | None:
    """Top-level names of the config at ``path`` run as plain Python, or None if it needs
    mmengine. Errors (SyntaxError, ImportError, ...) propagate with ``path`` in tracebacks."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if needs_mmengine(text):
        return None
    abspath = os.path.abspath(path)
    namespace: dict[str, Any] = {'__file__': abspath, '__name__': '__config__',
                                 '__builtins__': builtins}
    exec(compile(text, abspath, 'exec'), namespace)  # noqa: S102 - the user's own config
    return {k: v for k, v in namespace.items() if not k.startswith('__')}
