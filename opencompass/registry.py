"""Registries map the names used in configs to classes and functions.

A config names an implementation with ``type=``: either the object itself
(``type=HuggingFaceCausalLM``), its registered name (``type='HuggingFaceCausalLM'``)
or a dotted import path (``type='my_pkg.models.MyModel'``). Registries are lazy:
each knows the package that defines its members, and a package exposes its
names through a lazy ``__getattr__`` so resolving one name imports one module.
"""
from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from typing import Any

from .errors import ConfigError


class Registry:
    """A name -> object table for one kind of component (models, datasets, ...)."""

    def __init__(self, kind: str, package: str | None = None):
        self.kind = kind
        self.package = package
        self._members: dict[str, Any] = {}

    def register_module(self, name: str | None = None, force: bool = False) -> Callable:
        """Decorator registering a class or function under ``name`` (default: its own)."""

        def wrap(obj: Any) -> Any:
            key = name or obj.__name__
            if key in self._members and self._members[key] is not obj and not force:
                raise KeyError(f'{key} is already registered as a {self.kind}')
            self._members[key] = obj
            return obj

        return wrap

    def known_names(self) -> list[str]:
        names = set(self._members)
        if self.package:
            pkg = importlib.import_module(self.package)
            names.update(getattr(pkg, '__all__', ()))
        return sorted(names)

    def get(self, key: Any, where: str = 'type') -> Any:
        """Resolve ``key`` (object, registered name or dotted path) to an object."""
        if not isinstance(key, str):
            return key
        if key in self._members:
            return self._members[key]
        if self.package:
            pkg = importlib.import_module(self.package)
            if key in getattr(pkg, '__all__', ()):
                return getattr(pkg, key)
        if '.' in key:
            obj = import_dotted(key)
            if obj is not None:
                return obj
        late = _late_lookup(self, key, where)  # an alias; or one line for OpenCompass's names
        if late is not None:
            return late
        hint = difflib.get_close_matches(key.rsplit('.', 1)[-1], self.known_names(), n=1)
        extra = f"; did you mean '{hint[0]}'?" if hint else ''
        raise ConfigError(f"{where}: unknown {self.kind} type '{key}'{extra}")


def _late_lookup(registry: Registry, key: str, where: str) -> Any | None:
    """After the quick lookups failed: an alias registered when the registry's package was
    imported; else, for a name that is not ours, a ConfigError saying what it is: one of
    our components of another kind, or an OpenCompass component this project lacks
    (one line, no guess). None lets the caller suggest a near-miss of our own names."""
    if registry.package:
        importlib.import_module(registry.package)  # registers its aliases
        if key in registry._members:
            return registry._members[key]
    short = key.rsplit('.', 1)[-1]
    packages = [p for r in _ALL if r.package for p in (r.package, r.package.rpartition('.')[0])]
    for package in dict.fromkeys(p for p in packages if p != 'opencompass'):
        module = importlib.import_module(package)
        if short in getattr(module, '__all__', ()):
            obj = getattr(module, short)
            other = next((r for r in _ALL if any(m is obj for m in r._members.values())), None)
            if other is registry and short == key:  # ours, exported next to the usual package
                return obj
            if other is not None and other is not registry:
                raise ConfigError(f"{where}: '{short}' is {_a(other.kind)}, not {_a(registry.kind)}")
    from .utils.opencompass_names import is_opencompass_name, not_supported_message
    if is_opencompass_name(key):
        raise ConfigError(f'{where}: {not_supported_message(key)}')
    return None


def _a(noun: str) -> str:
    return ('an ' if noun[:1] in 'aeiou' else 'a ') + noun


def import_dotted(path: str) -> Any | None:
    """Import ``pkg.module.Name`` and return ``Name``, or None when it does not exist."""
    module_name, _, attr = path.rpartition('.')
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    obj = module
    for part in attr.split('.'):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def dotted_name(obj: Any) -> str:
    """The import path of a class or function, the inverse of :func:`import_dotted`."""
    return f'{obj.__module__}.{obj.__qualname__}'


MODELS = Registry('model', 'opencompass.models')
LOAD_DATASET = Registry('dataset', 'opencompass.datasets')
ICL_PROMPT_TEMPLATES = Registry('prompt template', 'opencompass.openicl.icl_prompt_template')
ICL_RETRIEVERS = Registry('retriever', 'opencompass.openicl.icl_retriever')
ICL_INFERENCERS = Registry('inferencer', 'opencompass.openicl.icl_inferencer')
ICL_EVALUATORS = Registry('evaluator', 'opencompass.openicl.icl_evaluator')
TEXT_POSTPROCESSORS = Registry('postprocessor', 'opencompass.utils.text_postprocessors')
PARTITIONERS = Registry('partitioner', 'opencompass.partitioners')
RUNNERS = Registry('runner', 'opencompass.runners')
TASKS = Registry('task', 'opencompass.tasks')
SUMMARIZERS = Registry('summarizer', 'opencompass.summarizers')


def build(cfg: dict, registry: Registry, where: str = 'type', **extra: Any) -> Any:
    """Instantiate ``cfg['type']`` from ``registry`` with the other keys as arguments."""
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise ConfigError(f'{where}: expected a dict with a "type" key, got {cfg!r:.80}')
    kwargs = {k: v for k, v in cfg.items() if k != 'type'}
    kwargs.update(extra)
    cls = registry.get(cfg['type'], where=f'{where}.type')
    try:
        return cls(**kwargs)
    except TypeError as e:
        if 'argument' in str(e):
            raise ConfigError(f'{where}: {e}') from e
        raise


_ALL = (MODELS, ICL_EVALUATORS, TEXT_POSTPROCESSORS, ICL_PROMPT_TEMPLATES, ICL_RETRIEVERS,
        ICL_INFERENCERS, PARTITIONERS, RUNNERS, TASKS, SUMMARIZERS, LOAD_DATASET)
