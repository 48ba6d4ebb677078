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

_file_cache: dict[tuple[str, int, int], str] = {}


def file_digest(path: str) -> str:
    """sha256 of a file's bytes (cached per size and mtime); a directory hashes its listing."""
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
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    if key not in _file_cache:
        h = hashlib.sha256()
        with open(path, 'rb') as f:
            for block in iter(lambda: f.read(1 << 20), b''):
                h.update(block)
        _file_cache[key] = h.hexdigest()[:16]
    return _file_cache[key]


def data_files_digest(dataset_cfg: dict[str, Any]) -> str:
    """A digest of the files the dataset's loader reads (``required_files``), if it says."""
    from ..registry import LOAD_DATASET
    loader = loader_args(dataset_cfg)
    try:
        cls = LOAD_DATASET.get(loader.get('type'))
        files: list[str] = getattr(cls, 'required_files', lambda **_: [])(**loader)
    except Exception:  # noqa: BLE001 - validation reports bad loaders; hash what we can
        files = []
    return fingerprint([(os.path.basename(f), file_digest(f)) for f in files])


def _loader_args(dataset_cfg: dict[str, Any]) -> str:
    return fingerprint(loader_args(dataset_cfg))


def infer_components(model_cfg: dict[str, Any], dataset_cfg: dict[str, Any],
                     with_part: bool = True) -> dict[str, str]:
    """``{component: hash}`` of everything that decides a prediction file."""
    model = {k: v for k, v in model_cfg.items()
             if k not in MODEL_KEYS_IGNORED and k not in GENERATION_KEYS}
    generation = {k: model_cfg.get(k) for k in GENERATION_KEYS}
    infer = dict(dataset_cfg.get('infer_cfg') or {})
    inferencer = {k: v for k, v in dict(infer.pop('inferencer', None) or
                                        {'type': 'GenInferencer'}).items()
                  if k not in INFERENCER_KEYS_IGNORED}
    parts = {
        'model': fingerprint(model),
        'generation': fingerprint(generation),
        'dataset': _loader_args(dataset_cfg),
        'data_files': data_files_digest(dataset_cfg),
        'reader_cfg': fingerprint(dataset_cfg.get('reader_cfg') or {}),
        'prompt_template': fingerprint(infer.pop('prompt_template', None)),
        'ice_template': fingerprint(infer.pop('ice_template', None)),
        'retriever': fingerprint(infer.pop('retriever', None) or {'type': 'ZeroRetriever'}),
        'inferencer': fingerprint(inferencer),
        'infer_cfg': fingerprint(infer),
    }
    if with_part and dataset_cfg.get('part') is not None:  # a whole dataset has no part
        parts['part'] = fingerprint(dataset_cfg['part'])
    return parts


def eval_components(dataset_cfg: dict[str, Any], prediction_digests: list[str]) -> dict[str, str]:
    """``{component: hash}`` of everything that decides a result file."""
    ev = dict(dataset_cfg.get('eval_cfg') or {})
    return {
        'evaluator': fingerprint(ev.pop('evaluator', None) or {'type': 'AccEvaluator'}),
        'pred_postprocessor': fingerprint(ev.pop('pred_postprocessor', None)),
        'dataset_postprocessor': fingerprint(ev.pop('dataset_postprocessor', None)),
        'eval_cfg': fingerprint(ev),
        'reader_cfg': fingerprint(dataset_cfg.get('reader_cfg') or {}),
        'dataset': _loader_args(dataset_cfg),
        'data_files': data_files_digest(dataset_cfg),
        'predictions': fingerprint(prediction_digests),
    }


def combine(components: dict[str, str]) -> str:
    """The one fingerprint of a set of components."""
    return fingerprint(sorted(components.items()))


def changed(old: dict[str, str] | None, new: dict[str, str]) -> list[str]:
    """Names of the components that differ (all of them when ``old`` is unknown)."""
    if not isinstance(old, dict):
        return []
    return [k for k in new if old.get(k) != new[k]] + [k for k in old if k not in new]
