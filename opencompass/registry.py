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

    def __init__(self, kind: str, package: str | None = None, also: tuple[str, ...] = ()):
        self.kind = kind
        self.package = package
        self.also = also  # other packages exporting members (benchmark evaluators in datasets)
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
            names.update(getattr(importlib.import_module(self.package), '__all__', ()))
        return sorted(names)

    def get(self, key: Any, where: str = 'type') -> Any:
        """Resolve ``key`` (object, registered name or dotted path) to an object."""
        if not isinstance(key, str):
            return key
        if key in self._members:
            return self._members[key]
        for package in (self.package, *self.also) if self.package else ():
            pkg = importlib.import_module(package)
            if key in getattr(pkg, '__all__', ()):
                obj = getattr(pkg, key)
                if package == self.package or self._members.get(key) is obj:
                    return obj
            if key in self._members:  # an alias registered when the package was imported
                return self._members[key]
        if '.' in key:
            obj = import_dotted(key)
            if obj is not None:
                return obj
        from .utils.opencompass_names import is_opencompass_name, not_supported_message
        short = key.rsplit('.', 1)[-1]
        other = _registry_of(short)
        if other is not None and other is not self:  # one of ours, in the wrong place
            raise ConfigError(f"{where}: '{short}' is {_a(other.kind)}, not {_a(self.kind)}")
        if is_opencompass_name(key):  # a real OpenCompass name we lack: say so, no guessing
            raise ConfigError(f'{where}: {not_supported_message(key)}')
        hint = difflib.get_close_matches(key.rsplit('.', 1)[-1], self.known_names(), n=1)
        extra = f"; did you mean '{hint[0]}'?" if hint else ''
        raise ConfigError(f"{where}: unknown {self.kind} type '{key}'{extra}")


def _a(noun: str) -> str:
    return ('an ' if noun[:1] in 'aeiou' else 'a ') + noun


def _registry_of(name: str) -> Registry | None:
    """The registry holding our component ``name``, whichever package exports it."""
    for package in dict.fromkeys(p for r in _ALL for p in (r.package, *r.also) if p):
        pkg = importlib.import_module(package)
        if name in getattr(pkg, '__all__', ()):
            obj = getattr(pkg, name)
            for registry in _ALL:
                if any(member is obj for member in registry._members.values()):
                    return registry
    return None


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
ICL_PROMPT_TEMPLATES = Registry('prompt template', 'opencompass.openicl.icl_prompt_template',
                                also=('opencompass.openicl',))
ICL_RETRIEVERS = Registry('retriever', 'opencompass.openicl.icl_retriever')
ICL_INFERENCERS = Registry('inferencer', 'opencompass.openicl.icl_inferencer')
ICL_EVALUATORS = Registry('evaluator', 'opencompass.openicl.icl_evaluator', also=('opencompass.datasets',))
TEXT_POSTPROCESSORS = Registry('postprocessor', 'opencompass.utils.text_postprocessors',
                               also=('opencompass.datasets',))
PARTITIONERS = Registry('partitioner', 'opencompass.partitioners')
RUNNERS = Registry('runner', 'opencompass.runners')
TASKS = Registry('task', 'opencompass.tasks')
SUMMARIZERS = Registry('summarizer', 'opencompass.summarizers')
_ALL = (MODELS, LOAD_DATASET, ICL_PROMPT_TEMPLATES, ICL_RETRIEVERS, ICL_INFERENCERS, ICL_EVALUATORS,
        TEXT_POSTPROCESSORS, PARTITIONERS, RUNNERS, TASKS, SUMMARIZERS)


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
