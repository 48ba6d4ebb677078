"""Why a model has no score on a dataset: not run, inference or evaluation failed, partial.

Reads only the run directory: the task records (``status/tasks.json``), prediction
files with their sidecars, and inference journals.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from ..runners.records import failures_by_pair, load_records
from ..utils.abbr import dataset_abbr, model_abbr

_COVER = re.compile(r'cover (\d+) of (\d+) samples')


@dataclass
class Missing:
    """A missing score: ``short`` fits a table cell, ``detail`` is the full sentence."""

    short: str
    detail: str
    log_path: str = ''


class MissingExplainer:
    """Explains missing scores of one run directory."""

    def __init__(self, run_dir: str):
        self.run_dir = run_dir
        self.listing = OutputListing()
        records = load_records(run_dir)
        self.infer_failures = failures_by_pair(records, 'infer')
        self.eval_failures = failures_by_pair(records, 'eval')

    def explain(self, model: dict[str, Any], dataset: dict[str, Any]) -> Missing:
        key = (model_abbr(model), dataset_abbr(dataset))
        done, total = self.samples_predicted(model, dataset)
        progress = f'{done} of {total} samples predicted' if total else ''
        record = self.infer_failures.get(key)
        if record:
            error = record.get('error') or f"exit code {record.get('returncode')}"
            detail = f'inference failed ({progress}): {error}' if progress else \
                f'inference failed: {error}'
            return Missing('infer failed', detail, record.get('log_path', ''))
        record = self.eval_failures.get(key)
        if record:
            error = record.get('error') or f"exit code {record.get('returncode')}"
            m = _COVER.search(error)
            if m:
                return Missing(f'partial {m.group(1)}/{m.group(2)}',
                               f'partial: predictions cover {m.group(1)} of {m.group(2)} '
                               'samples, so evaluation refused to score',
                               record.get('log_path', ''))
            return Missing('eval failed', f'evaluation failed: {error}',
                           record.get('log_path', ''))
        if total and 0 < done < total:
            return Missing(f'partial {done}/{total}',
                           f'partial: {progress}; inference did not finish (resume with -r)')
        if total and done >= total:
            return Missing('not evaluated', 'not run: predictions are complete but evaluation '
                           'has not run (-m eval -r)')
        return Missing('not run', 'not run: no predictions yet (-m infer or -m all)')

    def samples_predicted(self, model: dict[str, Any], dataset: dict[str, Any]) -> tuple[int, int]:
        """(samples with a prediction, samples in the dataset); total 0 when unknown."""
        folder = os.path.join(self.run_dir, 'predictions', model_abbr(model))
        abbr = dataset_abbr(dataset)
        ids: set[str] = set()
        for name in self.listing.files(folder, abbr, '.json'):
            ids.update(_json_keys(os.path.join(folder, name)))
        journals = os.path.join(folder, '.journal')
        for name in self.listing.files(journals, abbr, '.jsonl'):
            ids.update(_journal_ids(os.path.join(journals, name)))
        return len(ids), _dataset_size(dataset)


class OutputListing:
    """``DATASET.json`` and its parts ``DATASET_N.json`` in an output folder, each folder
    listed once (not once per dataset: that was quadratic in the datasets of a model)."""

    _PART = re.compile(r'(.+)_\d+$')

    def __init__(self) -> None:
        self._folders: dict[tuple[str, str], dict[str, list[str]]] = {}

    def files(self, folder: str, abbr: str, suffix: str) -> list[str]:
        """Names in ``folder`` of ``abbr`` or its parts, ending with ``suffix``, sorted."""
        by_abbr = self._folders.get((folder, suffix))
        if by_abbr is None:
            by_abbr = self._folders[(folder, suffix)] = {}
            try:
                names = sorted(os.listdir(folder))
            except OSError:
                names = []
            for name in names:
                if not name.endswith(suffix):
                    continue
                stem = name[:-len(suffix)]
                by_abbr.setdefault(stem, []).append(name)
                part = self._PART.match(stem)
                if part:
                    by_abbr.setdefault(part.group(1), []).append(name)
        return sorted(by_abbr.get(abbr, []))


def _json_keys(path: str) -> list[str]:
    import json
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (OSError, ValueError):
        return []
    return list(data) if isinstance(data, dict) else []


def _journal_ids(path: str) -> list[str]:
    import json
    ids = []
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            next(f, None)  # header
            for line in f:
                try:
                    ids.append(str(json.loads(line)['id']))
                except (ValueError, KeyError, TypeError):
                    continue
    except OSError:
        return []
    return ids


def _dataset_size(dataset: dict[str, Any]) -> int:
    try:
        from ..datasets.build import estimate_size
        return int(estimate_size(dataset))
    except Exception:  # noqa: BLE001 - only used to say "k of n"; unknown is fine
        return 0


def tail(path: str, lines: int = 10, width: int = 300) -> list[str]:
    """The last non-empty lines of a log file (empty when unreadable)."""
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            text = f.read().decode('utf-8', errors='replace')
    except OSError:
        return []
    found = [ln.rstrip()[:width] for ln in text.splitlines() if ln.strip()]
    return found[-lines:]


def token_counts(result: dict[str, Any] | None) -> dict[str, int]:
    """``prompt_tokens`` / ``completion_tokens`` of a result, when present."""
    if not result:
        return {}
    return {k: int(result[k]) for k in ('prompt_tokens', 'completion_tokens')
            if isinstance(result.get(k), (int, float))}


def annotate(header: list[str], rows: list[list[Any]],
             missing: dict[tuple[str, str], Missing]) -> tuple[list[list[Any]], list[str]]:
    """Rows whose ``-`` cells carry a note number, and the numbered notes explaining them."""
    notes: list[str] = []
    numbers: dict[str, int] = {}
    display = []
    for row in rows:
        out = list(row)
        for col in range(4, len(row)):
            why = missing.get((str(row[0]), header[col]))
            if row[col] != '-' or why is None:
                continue
            text = f'{why.detail}' + (f'\n      log: {why.log_path}' if why.log_path else '')
            key = f'{header[col]}/{row[0]}: {text}'
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                notes.append(f'[{numbers[key]}] {key}')
            out[col] = f'- [{numbers[key]}] {why.short}'
        display.append(out)
    return display, notes
