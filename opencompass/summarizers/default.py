"""``DefaultSummarizer``: one table ``dataset | version | metric | mode | MODEL...``.

Written to ``summary/summary_<timestamp>.{txt,csv,md}`` and printed. A score that
is missing shows ``-``; ``summary_groups`` add averages over datasets.
"""
from __future__ import annotations

import csv
import io
import os
from typing import Any

from tabulate import tabulate

from ..registry import SUMMARIZERS
from ..tasks.outputs import output_file
from ..utils.abbr import dataset_abbr, model_abbr
from ..utils.fileio import atomic_write_text, read_json
from ..utils.serialize import fingerprint, short_type

METRIC_PRIORITY = ('accuracy', 'score', 'pass@1', 'humaneval_pass@1', 'bleu', 'rouge1', 'f1')
NON_METRIC_KEYS = {'num_samples', 'num_failed', 'details', 'error', 'prompt_tokens',
                   'completion_tokens'}


@SUMMARIZERS.register_module()
class DefaultSummarizer:
    """Collects each model's metric per dataset and renders the summary table."""

    def __init__(self, config: dict, dataset_abbrs: list | None = None,
                 summary_groups: list[dict] | None = None, **kwargs: Any):
        self.cfg = config
        self.dataset_abbrs = dataset_abbrs
        self.summary_groups = list(summary_groups or [])
        self.options = kwargs

    def collect(self, run_dir: str) -> tuple[list[str], list[list[Any]]]:
        models = self.cfg.get('models', [])
        datasets = self.cfg.get('datasets', [])
        header = ['dataset', 'version', 'metric', 'mode'] + [model_abbr(m) for m in models]
        rows: list[list[Any]] = []
        scores: dict[tuple[str, str], float] = {}
        for d in datasets:
            abbr = dataset_abbr(d)
            results = [self._result(run_dir, m, d) for m in models]
            metric = pick_metric(results)
            row: list[Any] = [abbr, fingerprint(d.get('infer_cfg', {}), d.get('eval_cfg', {}))[:6],
                              metric or '-', dataset_mode(d)]
            for m, res in zip(models, results):
                value = res.get(metric) if res and metric else None
                if isinstance(value, (int, float)):
                    scores[(model_abbr(m), abbr)] = float(value)
                    row.append(f'{value:.2f}')
                else:
                    row.append('-')
            rows.append(row)
        for group in self.summary_groups:
            row = [group['name'], '-', 'naive_average', '-']
            for m in models:
                values = [scores.get((model_abbr(m), s)) for s in group['subsets']]
                row.append('-' if None in values or not values else f'{sum(values) / len(values):.2f}')
            rows.append(row)
        if self.dataset_abbrs:
            order = {a: i for i, a in enumerate(self.dataset_abbrs)}
            rows = [r for r in rows if r[0] in order]
            rows.sort(key=lambda r: order[r[0]])
        return header, rows

    @staticmethod
    def _result(run_dir: str, model: dict, dataset: dict) -> dict | None:
        path = output_file(run_dir, 'results', model, dataset)
        try:
            result = read_json(path)
        except (OSError, ValueError):
            return None
        return result if isinstance(result, dict) else None

    def summarize(self, run_dir: str, time_str: str) -> str:
        """Write the summary files; return the table as printed."""
        header, rows = self.collect(run_dir)
        table = tabulate(rows, headers=header, tablefmt='simple', disable_numparse=True)
        out_dir = os.path.join(run_dir, 'summary')
        base = os.path.join(out_dir, f'summary_{time_str}')
        atomic_write_text(base + '.txt', table + '\n')
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header)
        writer.writerows(rows)
        atomic_write_text(base + '.csv', buf.getvalue())
        atomic_write_text(base + '.md', tabulate(rows, headers=header, tablefmt='github',
                                                 disable_numparse=True) + '\n')
        return table


def pick_metric(results: list[dict | None]) -> str | None:
    keys: list[str] = []
    for res in results:
        if res:
            keys += [k for k, v in res.items()
                     if k not in NON_METRIC_KEYS and isinstance(v, (int, float)) and k not in keys]
    for preferred in METRIC_PRIORITY:
        if preferred in keys:
            return preferred
    return keys[0] if keys else None


def dataset_mode(dataset: dict) -> str:
    inferencer = dataset.get('infer_cfg', {}).get('inferencer', {}).get('type', 'GenInferencer')
    name = short_type(inferencer)
    if 'PPL' in name:
        return 'ppl'
    if 'LL' in name:
        return 'll'
    return 'gen'
