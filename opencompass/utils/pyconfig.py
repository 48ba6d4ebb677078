"""Read a Python config, including ``with read_base():`` inheritance, without mmengine.

A config is run as plain Python. ``with read_base():`` blocks hold ``from MODULE import
NAMES`` lines naming other config *files*: a relative module (``.datasets.gsm8k.gsm8k_gen``)
is a file next to the config, ``opencompass.configs.X`` is found through
:mod:`opencompass.utils.config_tree` (``OPENCOMPASS_CONFIGS`` first, then the shipped tree),
any other ``pkg.a.b`` is ``a/b.py`` inside the installed package ``pkg``. Each base file is
read the same way and its names are bound as deep copies, so no config can change another's
values. This gives mmengine's results for these configs, but real imports (``import os``
works), no ``pkg_resources`` and no half-second mmengine import. Configs using ``_base_ = [...]``
or ``{{ fileDirname }}``-style variables still go through mmengine, which defines those rules.
"""
from __future__ import annotations

import ast
import builtins
import copy
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import ConfigError
from .config_tree import ENV_VAR, PACKAGE, module_file

_NEEDS_MMENGINE = re.compile(
    r'^\s*_base_\s*=|\{\{\s*file(Dirname|Basename|BasenameNoExtension|Extname)\s*\}\}', re.M)


@contextmanager
def read_base() -> Iterator[None]:
    """Stand-in for ``mmengine.config.read_base`` (the loader does the work)."""
    yield


def needs_mmengine(text: str) -> bool:
    """True when the config text uses a feature only mmengine's loader provides."""
    return bool(_NEEDS_MMENGINE.search(text))


def plain_python_values(path: str) -> dict[str, Any] | None:
    """Top-level names of the config at ``path``, or None if only mmengine can read it.
    Errors in ``path`` itself propagate (SyntaxError, ImportError, ...) with ``path`` in the
    traceback; a problem in a base config is a ConfigError naming that file."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if needs_mmengine(text):
        return None
    return _Loader().run(os.path.abspath(path), text)


class _Loader:
    """One top-level load: base files are read once each and copied where imported."""

    def __init__(self) -> None:
        self.cache: dict[str, dict[str, Any]] = {}
        self.stack: list[str] = []

    def run(self, path: str, text: str) -> dict[str, Any]:
        tree = ast.parse(text, path)
        namespace: dict[str, Any] = {'__file__': path, '__name__': '__config__',
                                     '__builtins__': builtins, 'read_base': read_base}
        body: list[ast.stmt] = []
        self.stack.append(path)
        try:
            for node in tree.body:
                if _is_read_base(node):
                    assert isinstance(node, ast.With)
                    for stmt in node.body:
                        self._bind(stmt, path, namespace)
                elif not _imports_read_base_only(node):
                    body.append(node)
        finally:
            self.stack.pop()
        tree.body = body
        exec(compile(tree, path, 'exec'), namespace)  # noqa: S102 - the user's own config
        return {k: v for k, v in namespace.items()
                if not k.startswith('__') and v is not read_base}

    def _bind(self, stmt: ast.stmt, path: str, namespace: dict[str, Any]) -> None:
        where = f'{path}:{stmt.lineno}'
        if not isinstance(stmt, ast.ImportFrom) or not stmt.module and not stmt.level:
            raise ConfigError(f'{where}: only "from CONFIG import NAMES" lines may stand inside '
                              'read_base()')
        module = '.' * stmt.level + (stmt.module or '')
        base = self._base_file(module, path, where)
        values = self._values(base)
        for alias in stmt.names:
            if alias.name == '*':
                namespace.update({k: _copy(v) for k, v in values.items()
                                  if not k.startswith('_')})
            elif alias.name in values:
                namespace[alias.asname or alias.name] = _copy(values[alias.name])
            else:
                raise ConfigError(f"{where}: cannot import name '{alias.name}' from config "
                                  f"'{module}' ({base})")

    def _base_file(self, module: str, path: str, where: str) -> str:
        level = len(module) - len(module.lstrip('.'))
        if level:
            parts = module[level:].split('.') if module[level:] else []
            base: str | None = os.path.join(os.path.dirname(path), *(['..'] * (level - 1)),
                                            *parts) + '.py'
            if base is not None and not os.path.isfile(base):
                raise ConfigError(f"{where}: config '{module}' not found: no file {base}")
        else:
            base = module_file(module)
            if base is None:
                hint = (f'; set {ENV_VAR} to the opencompass/configs folder of an OpenCompass '
                        'clone or install to use its configs' if module.startswith(PACKAGE)
                        else '')
                raise ConfigError(f"{where}: config '{module}' not found (it is not shipped with "
                                  f'opencompass-lite{hint})')
        assert base is not None
        return os.path.abspath(base)

    def _values(self, base: str) -> dict[str, Any]:
        if base in self.cache:
            return self.cache[base]
        if base in self.stack:
            raise ConfigError(f'{base}: configs import each other in a cycle: '
                              + ' -> '.join([*self.stack[self.stack.index(base):], base]))
        with open(base, encoding='utf-8') as f:
            text = f.read()
        try:
            if needs_mmengine(text):
                from mmengine.config import Config
                cfg = Config.fromfile(base, format_python_code=False)
                values = {k: cfg[k] for k in cfg.keys()}
            else:
                self.stack.append(base)
                try:
                    values = self.run(base, text)
                finally:
                    self.stack.pop()
        except ConfigError:
            raise
        except Exception as e:  # noqa: BLE001 - any mistake in a base config: say where
            raise ConfigError(describe_load_error(e, base)) from e
        self.cache[base] = values
        return values


def _copy(value: Any) -> Any:
    """A deep copy of a config value; modules and other uncopyable objects are shared."""
    try:
        return copy.deepcopy(value)
    except (TypeError, copy.Error):
        return value


def describe_load_error(exc: BaseException, path: str) -> str:
    """One line for an exception raised while running the config file ``path``."""
    line = ''
    for frame in _frames(exc):
        if os.path.abspath(frame[0]) == os.path.abspath(path):
            line = f':{frame[1]}'
    if isinstance(exc, SyntaxError):
        return f'{path}:{exc.lineno}: syntax error: {exc.msg}'
    unsupported = unsupported_name(exc)
    if unsupported:
        return f'{path}{line}: {unsupported}'
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f'{path}{line}: cannot read the config: {first}'


def _frames(exc: BaseException) -> list[tuple[str, int]]:
    import traceback
    return [(f.filename, f.lineno or 0) for f in traceback.extract_tb(exc.__traceback__)]


_CANNOT_IMPORT = re.compile(r"cannot import name '([\w.]+)' from '([\w.]+)'")


def unsupported_name(exc: BaseException) -> str | None:
    """``'opencompass.x.Y' is not supported by opencompass-lite`` for an import of one of
    OpenCompass's names that this package does not have; None for other errors."""
    if not isinstance(exc, ImportError):
        return None
    match = _CANNOT_IMPORT.search(str(exc))
    if match and match.group(2).split('.')[0] == 'opencompass':
        return f"'{match.group(2)}.{match.group(1)}' is not supported by opencompass-lite"
    name = getattr(exc, 'name', None) or ''
    if isinstance(exc, ModuleNotFoundError) and name.split('.')[0] == 'opencompass':
        return f"'{name}' is not supported by opencompass-lite"
    return None


def _is_read_base(node: ast.stmt) -> bool:
    if not isinstance(node, ast.With) or len(node.items) != 1:
        return False
    expr = node.items[0].context_expr
    return (isinstance(expr, ast.Call) and not expr.args and
            (isinstance(expr.func, ast.Name) and expr.func.id == 'read_base'
             or isinstance(expr.func, ast.Attribute) and expr.func.attr == 'read_base'))


def _imports_read_base_only(node: ast.stmt) -> bool:
    """``from mmengine.config import read_base``: dropped, so mmengine is never imported."""
    return (isinstance(node, ast.ImportFrom) and node.module in ('mmengine', 'mmengine.config')
            and all(a.name == 'read_base' and a.asname is None for a in node.names))
