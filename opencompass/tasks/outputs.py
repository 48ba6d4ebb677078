"""Where a task's outputs live and how to tell fresh outputs from stale ones.

Every prediction or result file ``DIR/MODEL/DATASET.json`` has a sidecar
``DIR/MODEL/.meta/DATASET.json`` holding the fingerprint of what produced it. The
sidecar is written *after* the output is in place and removed *before* work is
redone, so an output counts as done only if both exist and the fingerprint matches.
"""
from __future__ import annotations

import hashlib
import os
from typing import Any

from ..utils.abbr import dataset_abbr, model_abbr
from ..utils.fileio import atomic_write_json, read_json
from ..utils.serialize import fingerprint

# model settings that change nothing in the outputs
_MODEL_KEYS_IGNORED = {'abbr', 'batch_size', 'run_cfg', 'max_num_workers', 'query_per_second',
                       'retry', 'key', 'torch_threads', 'type_hint'}
_DATASET_KEYS_IGNORED = {'abbr', 'eval_cfg', 'base_abbr', 'summary'}


def output_file(run_dir: str, kind: str, model_cfg: dict, dataset_cfg: dict) -> str:
    return os.path.join(run_dir, kind, model_abbr(model_cfg), f'{dataset_abbr(dataset_cfg)}.json')


def meta_file(path: str) -> str:
    return os.path.join(os.path.dirname(path), '.meta', os.path.basename(path))


def journal_file(path: str) -> str:
    return os.path.join(os.path.dirname(path), '.journal', os.path.basename(path) + 'l')


def infer_fingerprint(model_cfg: dict, dataset_cfg: dict, with_part: bool = True) -> str:
    """What decides the predictions: model, data slice, prompt, retriever, inferencer."""
    model = {k: v for k, v in model_cfg.items() if k not in _MODEL_KEYS_IGNORED}
    data = {k: v for k, v in dataset_cfg.items() if k not in _DATASET_KEYS_IGNORED}
    if not with_part:
        data.pop('part', None)
    return fingerprint(model, data)


def eval_fingerprint(dataset_cfg: dict, prediction_digests: list[str]) -> str:
    """What decides the results: the evaluation settings and the predictions' contents."""
    return fingerprint(dataset_cfg.get('eval_cfg', {}), dataset_cfg.get('reader_cfg', {}),
                       prediction_digests)


def read_meta(path: str) -> dict[str, Any] | None:
    try:
        meta = read_json(meta_file(path))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and os.path.exists(path) else None


def is_fresh(path: str, fp: str) -> bool:
    meta = read_meta(path)
    return bool(meta) and meta.get('fingerprint') == fp


def write_with_meta(path: str, data: Any, meta: dict[str, Any]) -> str:
    """Write ``data`` atomically, then its sidecar; returns the data's digest."""
    import json
    text = json.dumps(data, ensure_ascii=False, indent=2)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    from ..utils.fileio import atomic_write_text
    atomic_write_text(path, text)
    atomic_write_json(meta_file(path), {**meta, 'digest': digest})
    return digest


def invalidate(path: str) -> None:
    """Mark an output as not done before redoing it."""
    try:
        os.unlink(meta_file(path))
    except FileNotFoundError:
        pass
