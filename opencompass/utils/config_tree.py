"""Where config modules and config names are found.

``opencompass.configs.X.Y`` (what OpenCompass configs import inside ``read_base()``) is looked
up first in the directories of ``OPENCOMPASS_CONFIGS`` (OpenCompass's own config tree: a clone,
or the ``opencompass/configs`` folder of an install), then in the configs shipped here. Names
given to ``--models``/``--datasets``/``--summarizer``/``--list`` are file names (without
``.py``) found under ``models/``, ``datasets/`` (and ``dataset_collections/``) or
``summarizers/`` of, in order: ``--config-dir``, ``OPENCOMPASS_CONFIGS``, the shipped tree.
"""
from __future__ import annotations

import fnmatch
import importlib.util
import os

from ..errors import ConfigError

ENV_VAR = 'OPENCOMPASS_CONFIGS'
PACKAGE = 'opencompass.configs'
KIND_DIRS = {'models': ('models',), 'datasets': ('datasets', 'dataset_collections'),
             'summarizers': ('summarizers',)}


def shipped_root() -> str:
    """The ``opencompass/configs`` directory of this package."""
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'configs')


def overlay_roots() -> list[str]:
    """The config trees named by ``OPENCOMPASS_CONFIGS`` (``os.pathsep``-separated)."""
    roots = []
    for entry in filter(None, os.environ.get(ENV_VAR, '').split(os.pathsep)):
        inner = os.path.join(entry, 'opencompass', 'configs')  # a clone's root works too
        if os.path.isdir(inner):
            roots.append(os.path.abspath(inner))
        elif os.path.isdir(entry):
            roots.append(os.path.abspath(entry))
        else:
            raise ConfigError(f"{ENV_VAR}: '{entry}' is not a directory (expected OpenCompass's "
                              'opencompass/configs folder, or a clone of OpenCompass)')
    return roots


def package_roots() -> list[str]:
    """Where ``opencompass.configs.*`` modules are searched, in order."""
    return [*overlay_roots(), shipped_root()]


def module_file(module: str) -> str | None:
    """The file of an absolutely imported config module, or None when there is none."""
    if module == PACKAGE or module.startswith(PACKAGE + '.'):
        rel = module[len(PACKAGE) + 1:].split('.')
        for root in package_roots():
            candidate = os.path.join(root, *rel) + '.py'
            if os.path.isfile(candidate):
                return candidate
        return None
    parts = module.split('.')
    if len(parts) < 2:
        return None
    try:
        spec = importlib.util.find_spec(parts[0])
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        candidate = os.path.join(base, *parts[1:]) + '.py'
        if os.path.isfile(candidate):
            return candidate
    return None


def search_roots(config_dirs: list[str] | None = None) -> list[str]:
    """Trees searched for config names: ``--config-dir`` ones, then :func:`package_roots`."""
    roots = [os.path.abspath(d) for d in config_dirs or []]
    return [r for i, r in enumerate(roots + package_roots()) if r not in roots[:i]]


def iter_configs(kind: str, config_dirs: list[str] | None = None) -> dict[str, str]:
    """``{name: file}`` of every config of ``kind``; the first tree that has a name wins."""
    found: dict[str, str] = {}
    for root in search_roots(config_dirs):
        for sub in KIND_DIRS[kind]:
            top = os.path.join(root, sub)
            for dirpath, dirnames, filenames in os.walk(top):
                dirnames.sort()
                for name in sorted(filenames):
                    if name.endswith('.py') and not name.startswith('_'):
                        found.setdefault(name[:-3], os.path.join(dirpath, name))
    return found


def find_config(kind: str, name: str, config_dirs: list[str] | None = None) -> str:
    """The file of config ``name`` (a file name without ``.py``, or a path to a file)."""
    if name.endswith('.py') and os.path.isfile(name):
        return name
    stem = name[:-3] if name.endswith('.py') else name
    configs = iter_configs(kind, config_dirs)
    if stem in configs:
        return configs[stem]
    lowered = {k.lower(): v for k, v in configs.items()}
    if stem.lower() in lowered:
        return lowered[stem.lower()]
    where = ', '.join(os.path.join(r, KIND_DIRS[kind][0]) for r in search_roots(config_dirs))
    raise ConfigError(f"--{kind}: no config named '{stem}' in {where} (list the names with "
                      f'--list PATTERN; set {ENV_VAR} to use OpenCompass\'s config tree)')


def list_configs(pattern: str = '', config_dirs: list[str] | None = None) -> dict[str, dict[str, str]]:
    """``{kind: {name: file}}`` of the names matching ``*pattern*`` (case-insensitive)."""
    glob = f'*{pattern.lower()}*' if pattern else '*'
    return {kind: {n: f for n, f in sorted(iter_configs(kind, config_dirs).items())
                   if fnmatch.fnmatch(n.lower(), glob)}
            for kind in ('models', 'datasets', 'summarizers')}
