"""Where a task's outputs live and how to tell fresh outputs from stale ones.

Every prediction or result file ``DIR/MODEL/DATASET.json`` has a sidecar
``DIR/MODEL/.meta/DATASET.json`` holding the fingerprint of what produced it
(and its components, see :mod:`.fingerprints`). The sidecar is written *after*
the output is in place and removed *before* work is redone, so an output counts
as done only if both exist and the fingerprint matches the current config.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any

from ..utils.abbr import dataset_abbr, model_abbr
from ..utils.fileio import atomic_write_json, atomic_write_text, read_json_cached
from . import output_index
from .fingerprints import (
    changed,
    combine,
    eval_components,
    eval_key,
    file_digest,
    infer_components,
    infer_key,
)


def output_file(run_dir: str, kind: str, model_cfg: dict[str, Any], dataset_cfg: dict[str, Any]) -> str:
    model, dataset = model_abbr(model_cfg), dataset_abbr(dataset_cfg)
    if not run_dir or run_dir.endswith(os.sep) or model.startswith(os.sep):  # as os.path.join
        return os.path.join(run_dir, kind, model, f'{dataset}.json')
    return f'{run_dir}{os.sep}{kind}{os.sep}{model}{os.sep}{dataset}.json'  # 100,000 per -r


def meta_file(path: str) -> str:
    return os.path.join(os.path.dirname(path), '.meta', os.path.basename(path))


def journal_file(path: str) -> str:
    return os.path.join(os.path.dirname(path), '.journal', os.path.basename(path) + 'l')


def infer_fingerprint(model_cfg: dict[str, Any], dataset_cfg: dict[str, Any], with_part: bool = True) -> str:
    """What decides the predictions: model, data slice, prompt, retriever, inferencer."""
    return combine(infer_components(model_cfg, dataset_cfg, with_part))


def read_meta(path: str) -> dict[str, Any] | None:
    """The sidecar of ``path``, or None when either is missing or unreadable.

    While the driver plans with a run's index (:mod:`.output_index`), an entry whose output
    and sidecar are still exactly as indexed answers instead of the sidecar (without its
    ``components``: :func:`stale_reason` reads the sidecar for those)."""
    index = output_index.active()
    if index is not None:
        entry = index.lookup(path)
        if entry is not None:
            return entry.as_meta()
    return read_sidecar(path, index)


def read_sidecar(path: str, index: output_index.OutputIndex | None = None) -> dict[str, Any] | None:
    """The sidecar itself (and teach ``index`` what it says)."""
    try:
        if index is not None:  # stats first: a file replaced meanwhile cannot match later
            out_st, meta_st = os.stat(path), os.stat(meta_file(path))
        meta = read_json_cached(meta_file(path))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict):
        return None
    if index is not None:
        index.learn(path, out_st, meta_st, meta)
        return meta
    return meta if os.path.exists(path) else None


def is_fresh(path: str, fp: str) -> bool:
    meta = read_meta(path)
    return meta is not None and bool(meta) and meta.get('fingerprint') == fp


# components that are not config settings but the bytes of inputs
_INPUTS = {'data_files': 'dataset file changed', 'predictions': 'predictions changed'}


def stale_reason(path: str, components: dict[str, str]) -> str | None:
    """None when ``path`` is up to date, else why it must be (re)done, for the log."""
    meta = read_meta(path)
    fp = combine(components)
    if meta is not None and meta.get('fingerprint') == fp:
        return None
    if meta is not None and 'components' not in meta:  # the index's answer: ask the sidecar why
        meta = read_sidecar(path)
        if meta is not None and meta.get('fingerprint') == fp:
            return None
    if meta is None:
        if os.path.exists(path) or os.path.exists(journal_file(path)):
            return 'unfinished (interrupted before it was complete)'
        return 'missing'
    names = changed(meta.get('components'), components)
    if not names:
        return 'config changed'
    config = [n for n in names if n not in _INPUTS]
    why = [f"config changed ({', '.join(config)})"] if config else []
    return '; '.join(why + [_INPUTS[n] for n in names if n in _INPUTS])


def write_with_meta(path: str, data: Any, meta: dict[str, Any]) -> None:
    """Write ``data`` atomically, then its sidecar (results are keyed to the predictions'
    bytes through :func:`prediction_digests`, so the sidecar needs no digest of its own)."""
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2))
    atomic_write_json(meta_file(path), meta)
    # then the run's index (only predictions' digests are needed: results are not inputs)
    kind = os.path.basename(os.path.dirname(os.path.dirname(path)))
    output_index.record(path, meta, file_digest(path) if kind == 'predictions' else '-')


def invalidate(path: str) -> None:
    """Mark an output as not done before redoing it."""
    try:
        os.unlink(meta_file(path))
    except FileNotFoundError:
        pass


def discard(path: str) -> None:
    """``--force``: forget an output and any journal of a previous attempt at it."""
    invalidate(path)
    try:
        os.unlink(journal_file(path))
    except FileNotFoundError:
        pass


def prediction_parts(run_dir: str, model_cfg: dict[str, Any],
                     dataset_cfg: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Fresh prediction files for a dataset: the whole file, or its parts in order.

    Parts left over from an earlier, different split of the same dataset are
    skipped: parts are taken in order of their sample ranges, never overlapping,
    the newest first when two start at the same sample.
    """
    whole = output_file(run_dir, 'predictions', model_cfg, dataset_cfg)
    index = output_index.active()
    entry = index.fresh(whole, infer_key(model_cfg, dataset_cfg, with_part=False)) \
        if index is not None else None
    if entry is not None:
        return [(whole, entry.as_meta())]
    base_fp = infer_fingerprint(model_cfg, dataset_cfg, with_part=False)
    meta = read_meta(whole)
    if meta and meta.get('fingerprint') == base_fp:
        return [(whole, meta)]
    folder = os.path.dirname(whole)
    pattern = re.compile(re.escape(dataset_abbr(dataset_cfg)) + r'_(\d+)\.json$')
    found = []
    if os.path.isdir(folder):
        for name in os.listdir(folder):
            if pattern.match(name):
                path = os.path.join(folder, name)
                part_meta = read_meta(path)
                if part_meta and part_meta.get('base_fingerprint') == base_fp:
                    start, stop = part_meta.get('ids', [0, 0])
                    found.append((start, -os.stat(path).st_mtime_ns, stop, path, part_meta))
    chain, position = [], 0
    for start, _, stop, path, part_meta in sorted(found):
        if start >= position and stop > start:  # a gap is reported by the eval task
            chain.append((path, part_meta))
            position = stop
    return chain


def prediction_digests(parts: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Digests of the prediction files' actual bytes (a hand-edited file is re-scored)."""
    index = output_index.active()
    if index is None:
        return [file_digest(path) for path, _ in parts]
    return [index.digest(path) or file_digest(path) for path, _ in parts]


def infer_stale_reason(run_dir: str, model_cfg: dict[str, Any], dataset_cfg: dict[str, Any]) -> str | None:
    """Why the predictions of a (model, dataset) pair must be (re)done, or None."""
    path = output_file(run_dir, 'predictions', model_cfg, dataset_cfg)
    index = output_index.active()
    if index is not None and index.fresh(path, infer_key(model_cfg, dataset_cfg)):
        return None  # indexed, unchanged, made from the same components
    return stale_reason(path, infer_components(model_cfg, dataset_cfg))


def eval_stale_reason(run_dir: str, model_cfg: dict[str, Any], dataset_cfg: dict[str, Any]) -> str | None:
    """Why the results of a (model, dataset) pair must be (re)done, or None."""
    parts = prediction_parts(run_dir, model_cfg, dataset_cfg)
    if not parts:
        return 'missing predictions'
    digests = prediction_digests(parts)
    path = output_file(run_dir, 'results', model_cfg, dataset_cfg)
    index = output_index.active()
    if index is not None and index.fresh(path, eval_key(dataset_cfg, digests)):
        return None
    return stale_reason(path, eval_components(dataset_cfg, digests))
