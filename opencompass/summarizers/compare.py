"""``-m viz -r A --compare B``: the scores of two runs side by side, with the difference."""
from __future__ import annotations

import csv
import io
import os
from typing import Any

from tabulate import tabulate

from ..errors import RunDirError
from ..utils.abbr import dataset_abbr, model_abbr
from ..utils.fileio import atomic_write_text, read_json
from ..utils.run_dir import resolve_reuse
from .default import pick_metric


def resolve_compare(work_dir: str, other: str) -> str:
    """The run directory named by ``--compare``: a path, or a timestamp in ``work_dir``."""
    if os.path.isdir(os.path.join(other, 'results')) or os.path.isdir(
            os.path.join(other, 'configs')):
        return os.path.abspath(other)
    if os.sep in other:
        raise RunDirError(f"--compare {other}: not a run directory (no results/ or configs/)")
    try:
        found = resolve_reuse(work_dir, other)
    except RunDirError as e:
        raise RunDirError('--compare' + str(e)[2:]) from None  # the message names -r
    if found is None:
        raise RunDirError(f'--compare {other}: no run in {work_dir}')
    return os.path.join(work_dir, found)


def _results(run_dir: str) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    root = os.path.join(run_dir, 'results')
    if not os.path.isdir(root):
        return out
    for model in sorted(os.listdir(root)):
        folder = os.path.join(root, model)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith('.json') and not name.startswith('.'):
                try:
                    res = read_json(os.path.join(folder, name))
                except (OSError, ValueError):
                    continue
                if isinstance(res, dict):
                    out[(model, name[:-5])] = res
    return out


def compare_runs(run_a: str, run_b: str, cfg: dict[str, Any]) -> dict[str, Any]:
    """``{'header', 'rows', 'other', 'this'}``: per dataset and model, A, B and A - B."""
    a, b = _results(run_a), _results(run_b)
    models = [model_abbr(m) for m in cfg.get('models', [])]
    models += sorted({m for m, _ in list(a) + list(b)} - set(models))
    datasets = [dataset_abbr(d) for d in cfg.get('datasets', [])]
    datasets += sorted({d for _, d in list(a) + list(b)} - set(datasets))
    name_a, name_b = os.path.basename(run_a.rstrip(os.sep)), os.path.basename(run_b.rstrip(os.sep))
    models = [m for m in models if any((m, d) in a or (m, d) in b for d in datasets)]
    header = ['dataset', 'metric']
    for m in models:
        header += [f'{m} @{name_a}', f'{m} @{name_b}', f'{m} delta']
    rows = []
    for d in datasets:
        results = [r.get((m, d)) for r in (a, b) for m in models]
        if not any(results):
            continue
        metric = pick_metric(results)
        row: list[Any] = [d, metric or '-']
        for m in models:
            va, vb = (_value(r.get((m, d)), metric) for r in (a, b))
            row += [_fmt(va), _fmt(vb),
                    f'{va - vb:+.2f}' if va is not None and vb is not None else '-']
        rows.append(row)
    return {'header': header, 'rows': rows, 'other': name_b, 'this': name_a}


def write_comparison(run_dir: str, comparison: dict[str, Any], time_str: str) -> str:
    """Write ``summary/compare_<timestamp>.{txt,csv}``; return the table as printed."""
    header, rows = comparison['header'], comparison['rows']
    table = tabulate(rows, headers=header, tablefmt='simple', disable_numparse=True)
    title = f"comparison: this run ({comparison['this']}) vs {comparison['other']}"
    text = f'{title}\n{table}' if rows else f'{title}: no results in either run'
    base = os.path.join(run_dir, 'summary', f'compare_{time_str}')
    atomic_write_text(base + '.txt', text + '\n')
    buf = io.StringIO()
    csv.writer(buf).writerows([header] + rows)
    atomic_write_text(base + '.csv', buf.getvalue())
    return text


def _value(res: dict[str, Any] | None, metric: str | None) -> float | None:
    value = res.get(metric) if res and metric else None
    return float(value) if isinstance(value, (int, float)) else None


def _fmt(value: float | None) -> str:
    return '-' if value is None else f'{value:.2f}'
