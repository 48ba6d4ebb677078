"""What produced an output, as named components, so a stale output can say *why* it is stale.

A prediction depends on the model settings that change outputs, the generation
settings, the dataset (loader arguments and the *content* of its files), the
reader (columns, splits, ``test_range``), the part of a split dataset, the
prompt and in-context templates, the retriever and the inferencer. A result
depends on the evaluator, the postprocessors, the reader, the dataset and the
exact bytes of the predictions it scored. Each component is hashed separately
and stored in the output's sidecar, so a changed config can be diffed against
it component by component.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..datasets.build import loader_args
from ..utils.serialize import fingerprint

# model settings that change nothing in the outputs
MODEL_KEYS_IGNORED = frozenset({'abbr', 'batch_size', 'run_cfg', 'max_num_workers',
                                'query_per_second', 'retry', 'key', 'torch_threads', 'type_hint',
                                # API models: politeness settings, not what the model answers
                                'max_workers', 'timeout', 'backoff', 'rpm_verbose', 'verbose'})
GENERATION_KEYS = ('max_out_len', 'max_seq_len', 'generation_kwargs', 'stop_words')
INFERENCER_KEYS_IGNORED = frozenset({'batch_size'})

_file_cache: dict[tuple[str, int, int, int], str] = {}


def file_digest(path: str) -> str:
    """sha256 of a file's bytes (cached per size, mtime and ctime: an edit that keeps the size
    and sets the mtime back still changes the ctime); a directory hashes its listing."""
    try:
        st = os.stat(path)
    except OSError:
        return 'missing'
    if os.path.isdir(path):
        entries = []
        for root, _, files in os.walk(path):
            for name in sorted(files):
                full = os.path.join(root, name)
                try:
                    s = os.stat(full)
                except OSError:
                    continue
                entries.append((os.path.relpath(full, path), s.st_size, s.st_mtime_ns))
        return fingerprint(sorted(entries))
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if key not in _file_cache:
        h = hashlib.sha256()
        with open(path, 'rb') as f:
            for block in iter(lambda: f.read(1 << 20), b''):
                h.update(block)
        _file_cache[key] = h.hexdigest()[:16]
    return _file_cache[key]


def cached_digest(path: str, size: int, mtime_ns: int, ctime_ns: int) -> str | None:
    """The digest :func:`file_digest` knows for these stats, without reading."""
    return _file_cache.get((os.path.abspath(path), size, mtime_ns, ctime_ns))


@contextmanager
def saved_digests(path: str, save: bool = True) -> Iterator[None]:
    """Keep :func:`file_digest`'s cache in ``path`` (``status/file_digests.json``) across the
    processes of one run: the checks of ``-r`` then re-read only files whose size or mtime
    changed. Same trust as the in-process cache. The digests of the run's own predictions
    are not kept here but in its index (:mod:`.output_index`), which ``-r`` reads anyway."""
    from ..utils.fileio import atomic_write_json, read_json
    try:
        for name, size, mtime, ctime, digest in read_json(path):  # (older files: re-hashed)
            _file_cache.setdefault((name, int(size), int(mtime), int(ctime)), str(digest))
    except (OSError, ValueError, TypeError):
        pass
    before = len(_file_cache)
    try:
        yield
    finally:
        if save and len(_file_cache) != before:
            try:
                own = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(path))),
                                   'predictions', '')
                atomic_write_json(path, [[*k, v] for k, v in _file_cache.items()
                                         if not k[0].startswith(own)])
            except OSError:
                pass


def data_files_digest(dataset_cfg: dict[str, Any]) -> str:
    """A digest of the files the dataset's loader reads (``required_files``), if it says.

    Their bytes are checked on every call (``file_digest`` re-hashes a file whose size or
    mtime changed), except within one ``planning_cache()``."""
    return str(_once('data_files', dataset_cfg, _files_digest))


def _files_digest(dataset_cfg: dict[str, Any]) -> str:
    files = _required_files(dataset_cfg)
    return fingerprint([(os.path.basename(f), file_digest(f)) for f in files])


def _required_files(dataset_cfg: dict[str, Any]) -> list[str]:
    return list(_once('files', dataset_cfg, _loader_files))


def _loader_files(dataset_cfg: dict[str, Any]) -> list[str]:
    from ..registry import LOAD_DATASET
    loader = loader_args(dataset_cfg)
    try:
        cls = LOAD_DATASET.get(loader.get('type'))
        return list(getattr(cls, 'required_files', lambda **_: [])(**loader))
    except Exception:  # noqa: BLE001 - validation reports bad loaders; hash what we can
        return []


def _loader_args(dataset_cfg: dict[str, Any]) -> str:
    return fingerprint(loader_args(dataset_cfg))


# Planning checks every (model, dataset) pair; the components of one model or one dataset
# entry are the same for every pair it is in. Inside ``planning_cache()`` (the pipeline
# plans a stage in one, while nothing changes the configs) each is hashed once per entry
# object; the cache holds the entry itself, so an id is never reused for another object.
_memo: dict[tuple[str, int], tuple[object, Any]] | None = None


@contextmanager
def planning_cache() -> Iterator[None]:
    """Hash each model and dataset entry's components once while this is open."""
    global _memo
    outer = _memo
    _memo = {} if outer is None else outer
    try:
        yield
    finally:
        _memo = outer


def _once(kind: str, obj: dict[str, Any], compute: Callable[[dict[str, Any]], Any]) -> Any:
    if _memo is None:
        return compute(obj)
    key = (kind, id(obj))
    hit = _memo.get(key)
    if hit is not None and hit[0] is obj:
        return hit[1]
    value = compute(obj)
    _memo[key] = (obj, value)
    return value


def _model_components(model_cfg: dict[str, Any]) -> dict[str, str]:
    model = {k: v for k, v in model_cfg.items()
             if k not in MODEL_KEYS_IGNORED and k not in GENERATION_KEYS}
    generation = {k: model_cfg.get(k) for k in GENERATION_KEYS}
    return {'model': fingerprint(model), 'generation': fingerprint(generation)}


def _dataset_infer_components(dataset_cfg: dict[str, Any]) -> dict[str, str]:
    infer = dict(dataset_cfg.get('infer_cfg') or {})
    inferencer = {k: v for k, v in dict(infer.pop('inferencer', None) or
                                        {'type': 'GenInferencer'}).items()
                  if k not in INFERENCER_KEYS_IGNORED}
    parts = {
        'dataset': _loader_args(dataset_cfg),
        'data_files': '',   # filled per call: the files' bytes may change
        'reader_cfg': fingerprint(dataset_cfg.get('reader_cfg') or {}),
        'prompt_template': fingerprint(infer.pop('prompt_template', None)),
        'ice_template': fingerprint(infer.pop('ice_template', None)),
        'retriever': fingerprint(infer.pop('retriever', None) or {'type': 'ZeroRetriever'}),
        'inferencer': fingerprint(inferencer),
        'infer_cfg': fingerprint(infer),
    }
    if dataset_cfg.get('part') is not None:  # a whole dataset has no part
        parts['part'] = fingerprint(dataset_cfg['part'])
    return parts


def infer_components(model_cfg: dict[str, Any], dataset_cfg: dict[str, Any],
                     with_part: bool = True) -> dict[str, str]:
    """``{component: hash}`` of everything that decides a prediction file."""
    parts: dict[str, str] = {**_once('model', model_cfg, _model_components),
                             **_once('infer', dataset_cfg, _dataset_infer_components)}
    parts['data_files'] = data_files_digest(dataset_cfg)
    if not with_part:
        parts.pop('part', None)
    return parts


def _dataset_eval_components(dataset_cfg: dict[str, Any]) -> dict[str, str]:
    ev = dict(dataset_cfg.get('eval_cfg') or {})
    return {
        'evaluator': fingerprint(ev.pop('evaluator', None) or {'type': 'AccEvaluator'}),
        'pred_postprocessor': fingerprint(ev.pop('pred_postprocessor', None)),
        'dataset_postprocessor': fingerprint(ev.pop('dataset_postprocessor', None)),
        'eval_cfg': fingerprint(ev),
        'reader_cfg': fingerprint(dataset_cfg.get('reader_cfg') or {}),
        'dataset': _loader_args(dataset_cfg),
        'data_files': '',   # filled per call: the files' bytes may change
    }


def eval_components(dataset_cfg: dict[str, Any], prediction_digests: list[str]) -> dict[str, str]:
    """``{component: hash}`` of everything that decides a result file."""
    return {**_once('eval', dataset_cfg, _dataset_eval_components),
            'data_files': data_files_digest(dataset_cfg),
            'predictions': digests_fingerprint(prediction_digests)}


# -- keys: the same test as comparing fingerprints, without hashing each pair -----------------
# A prediction's components are its model's (``model``, ``generation``) and its dataset
# entry's; a result's are its dataset entry's and ``predictions``. The run's index
# (:mod:`.output_index`) keeps, next to an output's fingerprint, the key ``A:B`` of the
# components it was made from; equal keys mean equal components (so an equal fingerprint),
# and the current keys are hashed once per model and once per dataset entry, not per pair.
MODEL_COMPONENTS = ('model', 'generation')


def components_key(kind: str, components: dict[str, str]) -> str:
    """The key of a sidecar's components (``kind``: predictions or results)."""
    if kind == 'predictions':
        model = {k: components[k] for k in MODEL_COMPONENTS if k in components}
        rest = {k: v for k, v in components.items() if k not in MODEL_COMPONENTS}
        return f'{combine(model)}:{combine(rest)}'
    rest = {k: v for k, v in components.items() if k != 'predictions'}
    return f"{combine(rest)}:{components.get('predictions', '')}"


def infer_key(model_cfg: dict[str, Any], dataset_cfg: dict[str, Any], with_part: bool = True) -> str:
    """:func:`components_key` of :func:`infer_components`, hashed once per model and entry."""
    model = _once('model_key', model_cfg, lambda m: combine(_once('model', m, _model_components)))
    kind = 'data_key' if with_part else 'data_key_base'
    return f'{model}:{_once(kind, dataset_cfg, lambda d: _data_key(d, with_part))}'


def _data_key(dataset_cfg: dict[str, Any], with_part: bool) -> str:
    parts = {**_once('infer', dataset_cfg, _dataset_infer_components),
             'data_files': data_files_digest(dataset_cfg)}
    if not with_part:
        parts.pop('part', None)
    return combine(parts)


def eval_key(dataset_cfg: dict[str, Any], prediction_digests: list[str]) -> str:
    """:func:`components_key` of :func:`eval_components`."""
    data = _once('eval_key', dataset_cfg, lambda d: combine(
        {**_once('eval', d, _dataset_eval_components), 'data_files': data_files_digest(d)}))
    return f'{data}:{digests_fingerprint(prediction_digests)}'


def digests_fingerprint(digests: list[str]) -> str:
    """``fingerprint(digests)`` (the ``predictions`` component), quick for hex digests."""
    if all(_PLAIN.match(d) for d in digests):  # the bytes json.dumps would write
        blob = '[["' + '", "'.join(digests) + '"]]' if digests else '[[]]'
        return hashlib.sha256(blob.encode()).hexdigest()[:16]
    return fingerprint(digests)


def combine(components: dict[str, str]) -> str:
    """The one fingerprint of a set of components (``fingerprint(sorted(items))``)."""
    items = sorted(components.items())
    try:
        flat = ''.join([k + v for k, v in items])
    except TypeError:   # not all strings
        flat = '"'
    if _PLAIN.match(flat):  # names and hex digests: the bytes json.dumps would write
        blob = '[[' + ', '.join(f'["{k}", "{v}"]' for k, v in items) + ']]'
        return hashlib.sha256(blob.encode()).hexdigest()[:16]
    return fingerprint(items)


_PLAIN = re.compile(r'[A-Za-z0-9_.:+-]*\Z')


def changed(old: dict[str, str] | None, new: dict[str, str]) -> list[str]:
    """Names of the components that differ (all of them when ``old`` is unknown)."""
    if not isinstance(old, dict):
        return []
    return [k for k in new if old.get(k) != new[k]] + [k for k in old if k not in new]
