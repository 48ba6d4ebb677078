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
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from .errors import ConfigError, OpenCompassError

if TYPE_CHECKING:
    from .datasets.base import BaseDataset
    from .models.base import BaseModel
    from .openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator
    from .openicl.icl_inferencer.icl_base_inferencer import BaseInferencer
    from .openicl.icl_prompt_template import PromptTemplate
    from .openicl.icl_retriever.icl_base_retriever import BaseRetriever
    from .partitioners.base import BasePartitioner
    from .runners.base import BaseRunner
    from .summarizers.base import Summarizer
    from .tasks.base import BaseTask

M = TypeVar('M')  # what a registry holds: a class (``type[BaseModel]``) or a function
Obj = TypeVar('Obj')
T = TypeVar('T')


class RegistryError(OpenCompassError, TypeError):
    """An object registered (or named in a config) is not the kind of component its registry holds."""


class Registry(Generic[M]):
    """A name -> object table for one kind of component (models, datasets, ...).

    ``base`` is the import path of the class every member must subclass (checked when a
    member is registered or named by import path), or ``'callable'`` for function
    registries; the import path keeps this module free of import cycles.
    """

    def __init__(self, kind: str, package: str | None = None, base: str | None = None):
        self.kind = kind
        self.package = package
        self.base = base
        self._members: dict[str, M] = {}

    def register_module(self, name: str | None = None,
                        force: bool = False) -> Callable[[Obj], Obj]:
        """Decorator registering a class or function under ``name`` (default: its own)."""

        def wrap(obj: Obj) -> Obj:
            key = name or str(getattr(obj, '__name__', ''))
            problem = self.mismatch(obj)
            if problem:
                raise RegistryError(f'cannot register {key!r} as a {self.kind}: {problem}')
            if key in self._members and self._members[key] is not obj and not force:
                raise KeyError(f'{key} is already registered as a {self.kind}')
            self._members[key] = cast(M, obj)
            return obj

        return wrap

    def mismatch(self, obj: object) -> str | None:
        """Why ``obj`` cannot be a member (None when it can)."""
        if self.base is None:
            return None
        if self.base == 'callable':
            return None if callable(obj) else f'{obj!r} is not callable'
        if not isinstance(obj, type):
            return f'{obj!r} is not a class (a {self.kind} subclasses {self.base})'
        if f'{obj.__module__}.{obj.__qualname__}' == self.base:
            return None  # the base registering itself while its module is being imported
        base = import_dotted(self.base)
        if base is None or issubclass(obj, base):
            return None
        return f'{dotted_name(obj)} does not subclass {self.base}'

    def known_names(self) -> list[str]:
        names = set(self._members)
        if self.package:
            pkg = importlib.import_module(self.package)
            names.update(getattr(pkg, '__all__', ()))
        return sorted(names)

    def available(self) -> list[str]:
        """The known names of usable members (imports their modules: for error messages)."""
        names = []
        for name in self.known_names():
            member = self._members.get(name)
            if member is None and self.package:
                try:
                    member = getattr(importlib.import_module(self.package), name)
                except Exception:  # noqa: BLE001 - a broken optional module: not available
                    continue
            if self.mismatch(member) is None and not inspect.isabstract(member) \
                    and not getattr(member, '_is_protocol', False):
                names.append(name)
        return names

    def get(self, key: Any, where: str = 'type') -> M:
        """Resolve ``key`` (object, registered name or dotted path) to a member."""
        if not isinstance(key, str):
            return self._checked(key, where)
        if key in self._members:
            return self._members[key]
        if self.package:
            pkg = importlib.import_module(self.package)
            if key in getattr(pkg, '__all__', ()) and self.mismatch(getattr(pkg, key)) is None:
                return cast(M, getattr(pkg, key))  # else another kind: _late_lookup says which
        if '.' in key:
            obj = import_dotted(key)
            if obj is not None:
                return self._checked(obj, where)
        late = _late_lookup(self, key, where)  # an alias; or one line for OpenCompass's names
        if late is not None:
            return self._checked(late, where)
        known = self.available()
        hint = difflib.get_close_matches(key.rsplit('.', 1)[-1], known, n=1)
        extra = f"; did you mean '{hint[0]}'?" if hint else f"; known: {', '.join(known)}"
        raise ConfigError(f"{where}: unknown {self.kind} type '{key}'{extra}")

    def _checked(self, obj: Any, where: str) -> M:
        problem = self.mismatch(obj)
        if problem:
            raise ConfigError(f'{where}: not a {self.kind}: {problem}')
        return cast(M, obj)


def _late_lookup(registry: Registry[Any], key: str, where: str) -> Any | None:
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
    obj: Any = module
    for part in attr.split('.'):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def dotted_name(obj: Any) -> str:
    """The import path of a class or function, the inverse of :func:`import_dotted`."""
    return f'{obj.__module__}.{obj.__qualname__}'


MODELS: Registry[type[BaseModel]] = Registry(
    'model', 'opencompass.models', 'opencompass.models.base.BaseModel')
LOAD_DATASET: Registry[type[BaseDataset]] = Registry(
    'dataset', 'opencompass.datasets', 'opencompass.datasets.base.BaseDataset')
ICL_PROMPT_TEMPLATES: Registry[type[PromptTemplate]] = Registry(
    'prompt template', 'opencompass.openicl.icl_prompt_template',
    'opencompass.openicl.icl_prompt_template.PromptTemplate')
ICL_RETRIEVERS: Registry[type[BaseRetriever]] = Registry(
    'retriever', 'opencompass.openicl.icl_retriever',
    'opencompass.openicl.icl_retriever.icl_base_retriever.BaseRetriever')
ICL_INFERENCERS: Registry[type[BaseInferencer]] = Registry(
    'inferencer', 'opencompass.openicl.icl_inferencer',
    'opencompass.openicl.icl_inferencer.icl_base_inferencer.BaseInferencer')
ICL_EVALUATORS: Registry[type[BaseEvaluator]] = Registry(
    'evaluator', 'opencompass.openicl.icl_evaluator',
    'opencompass.openicl.icl_evaluator.icl_base_evaluator.BaseEvaluator')
TEXT_POSTPROCESSORS: Registry[Callable[..., Any]] = Registry(
    'postprocessor', 'opencompass.utils.text_postprocessors', 'callable')
# an LLM judge's ``dict_postprocessor``: its answers -> metrics (``datasets/generic.py``)
DICT_POSTPROCESSORS: Registry[Callable[..., Any]] = Registry(
    'dict postprocessor', 'opencompass.datasets', 'callable')
PARTITIONERS: Registry[type[BasePartitioner]] = Registry(
    'partitioner', 'opencompass.partitioners', 'opencompass.partitioners.base.BasePartitioner')
RUNNERS: Registry[type[BaseRunner]] = Registry(
    'runner', 'opencompass.runners', 'opencompass.runners.base.BaseRunner')
TASKS: Registry[type[BaseTask]] = Registry(
    'task', 'opencompass.tasks', 'opencompass.tasks.base.BaseTask')
SUMMARIZERS: Registry[type[Summarizer]] = Registry(
    'summarizer', 'opencompass.summarizers', 'opencompass.summarizers.base.Summarizer')


def build(cfg: dict[str, Any], registry: Registry[type[T]], where: str = 'type', **extra: Any) -> T:
    """Instantiate ``cfg['type']`` from ``registry`` with the other keys as arguments."""
    if not isinstance(cfg, dict) or 'type' not in cfg:
        from .utils.redaction import scrub  # cut after scrubbing: no half secret survives
        raise ConfigError(f'{where}: expected a dict with a "type" key, got '
                          f'{scrub(repr(cfg))[:80]}')
    from .utils.serialize import internalize_secrets  # $OC_SECRET_* references -> values
    kwargs = internalize_secrets({k: v for k, v in cfg.items() if k != 'type'})
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
