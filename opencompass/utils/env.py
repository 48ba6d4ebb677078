"""Environment of task processes."""
from __future__ import annotations

import os

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def with_package_on_path(env: dict[str, str]) -> dict[str, str]:
    """Put this package's root first on ``PYTHONPATH`` so a task process imports this very
    package, from any working directory, even when it is not pip-installed."""
    paths = [p for p in env.get('PYTHONPATH', '').split(os.pathsep) if p]
    if PACKAGE_ROOT not in paths:
        env['PYTHONPATH'] = os.pathsep.join([PACKAGE_ROOT, *paths])
    return env
