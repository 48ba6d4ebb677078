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
from ..utils import logging as oc_logging
from ..utils.abbr import dataset_abbr, model_abbr
from ..utils.fileio import atomic_write_text, read_json_cached
from ..utils.serialize import fingerprint, short_type
from .base import Summarizer
from .groups import check_group, group_average, group_mode, subset_name
from .missing import Missing, MissingExplainer, annotate, token_counts

METRIC_PRIORITY = ('accuracy', 'score', 'pass@1', 'humaneval_pass@1', 'bleu', 'rouge1', 'f1')
get_logger = oc_logging.get_logger  # the name OpenCompass's code (and tests) use here
NON_METRIC_KEYS = {'num_samples', 'num_failed', 'details', 'error', 'prompt_tokens',
                   'completion_tokens'}


@SUMMARIZERS.register_module()
class DefaultSummarizer(Summarizer):
    """Collects each model's metric per dataset and renders the summary table."""

    def __init__(self, config: dict[str, Any], dataset_abbrs: list[Any] | None = None,
                 summary_groups: list[dict[str, Any]] | None = None, **kwargs: Any):
        self.cfg = config
        self.dataset_abbrs = dataset_abbrs
        self.summary_groups = list(summary_groups or [])
        self.options = kwargs
        self.logger = get_logger()
        if kwargs.get('prompt_db') is not None:
            self.logger.warning('summarizer.prompt_db is deprecated and ignored (OpenCompass too)')

    def collect(self, run_dir: str) -> tuple[list[str], list[list[Any]]]:
        models = self.cfg.get('models', [])
        datasets = self.cfg.get('datasets', [])
        header = ['dataset', 'version', 'metric', 'mode'] + [model_abbr(m) for m in models]
        rows: list[list[Any]] = []
        scores: dict[tuple[str, str], float] = {}
        counts: dict[tuple[str, str], Any] = {}  # samples scored, for weighted groups
        explainer = MissingExplainer(run_dir)
        self.missing: dict[tuple[str, str], Missing] = {}  # (dataset, model) -> why '-'
        self.sample_stats: list[list[Any]] = []  # model, dataset, samples, failed, tokens
        self.results: dict[tuple[str, str], dict[str, Any]] = {}  # (model, dataset) -> result
        for d in datasets:
            abbr = dataset_abbr(d)
            results = [self._result(run_dir, m, d) for m in models]
            self.results.update({(model_abbr(m), abbr): r for m, r in zip(models, results) if r})
            metric = pick_metric(results)
            row: list[Any] = [abbr, fingerprint(d.get('infer_cfg', {}), d.get('eval_cfg', {}))[:6],
                              metric or '-', dataset_mode(d)]
            for m, res in zip(models, results):
                value = res.get(metric) if res and metric else None
                if res and isinstance(value, (int, float)):
                    scores[(model_abbr(m), abbr)] = float(value)
                    counts[(model_abbr(m), abbr)] = res.get('num_samples')
                    row.append(f'{value:.2f}')
                else:
                    row.append('-')
                    self.missing[(abbr, model_abbr(m))] = explainer.explain(m, d) if not res \
                        else Missing('no metric', f"the result has no numeric {metric or 'metric'}")
                tokens = token_counts(res)
                if res and (res.get('num_failed') or tokens):
                    self.sample_stats.append([model_abbr(m), abbr, res.get('num_samples', '-'),
                                              res.get('num_failed', 0),
                                              tokens.get('prompt_tokens', '-'),
                                              tokens.get('completion_tokens', '-')])
            rows.append(row)
        known = {dataset_abbr(d) for d in datasets}
        for group in self.summary_groups:
            check_group(group)
            if not any(subset_name(s) in known for s in group['subsets']):
                continue  # a group of datasets this run does not have (e.g. the example's)
            known.add(group['name'])
            row = [group['name'], '-', group_mode(group), '-']
            for m in models:
                values = [self._score(scores, model_abbr(m), s) for s in group['subsets']]
                average = group_average(group, values, [counts.get((model_abbr(m), subset_name(s)))
                                                        for s in group['subsets']])
                if average is not None and group.get('metric'):  # ``[name, metric]`` finds it
                    key = (model_abbr(m), group['name'])
                    self.results[key] = {**self.results.get(key, {}), group['metric']: average}
                if average is not None:  # a later group may average this one
                    scores[(model_abbr(m), group['name'])] = average
                    counts[(model_abbr(m), group['name'])] = sum(
                        counts.get((model_abbr(m), subset_name(s))) or 0 for s in group['subsets'])
                lacking = [subset_name(s) for s, v in zip(group['subsets'], values) if v is None]
                if average is None:
                    self.missing[(group['name'], model_abbr(m))] = Missing(
                        'incomplete', f"no average: no score on {', '.join(lacking)}" if lacking
                        else 'no average: the subsets cannot be averaged (see summary_groups)')
                row.append('-' if average is None else f'{average:.2f}')
            rows.append(row)
        if self.dataset_abbrs:
            rows = self._ordered(rows, models)
        return header, rows

    def _score(self, scores: dict[tuple[str, str], float], model: str, subset: Any) -> float | None:
        """A subset's score: ``'abbr'`` (its main metric or group average) or
        ``['abbr', 'metric']`` (that metric of the dataset's result)."""
        if isinstance(subset, (list, tuple)) and len(subset) == 2:
            value = self.results.get((model, str(subset[0])), {}).get(str(subset[1]))
            return float(value) if isinstance(value, (int, float)) else None
        return scores.get((model, subset_name(subset)))

    def _ordered(self, rows: list[list[Any]], models: list[dict[str, Any]]) -> list[list[Any]]:
        """Rows in ``dataset_abbrs`` order. An entry is an abbr (its row), ``[abbr, metric]``
        (a row for that metric) or any other text (a row of ``-``, e.g. a section title)."""
        by_name = {r[0]: r for r in rows}
        out = []
        for entry in self.dataset_abbrs or []:
            if isinstance(entry, (list, tuple)) and len(entry) == 2:
                abbr, metric = str(entry[0]), str(entry[1])
                base = by_name.get(abbr)
                row: list[Any] = [abbr, base[1] if base else '-', metric, base[3] if base else '-']
                for m in models:
                    value = self._score({}, model_abbr(m), [abbr, metric])
                    row.append('-' if value is None else f'{value:.2f}')
                out.append(row)
            elif str(entry) in by_name:
                out.append(by_name[str(entry)])
            else:
                out.append([str(entry), '-', '-', '-'] + ['-'] * len(models))
        return out

    @staticmethod
    def _result(run_dir: str, model: dict[str, Any], dataset: dict[str, Any]) -> dict[str, Any] | None:
        path = output_file(run_dir, 'results', model, dataset)
        try:
            result = read_json_cached(path)  # the HTML report reads it again
        except (OSError, ValueError):
            return None
        return result if isinstance(result, dict) else None

    def summarize(self, run_dir: str, time_str: str) -> str:
        """Write the summary files; return the table as printed."""
        header, rows = self.collect(run_dir)
        self.header, self.rows = header, rows  # for the HTML report and the Lark bot
        display, notes = annotate(header, rows, getattr(self, 'missing', {}))
        table = tabulate(display, headers=header, tablefmt='simple', disable_numparse=True)
        table += self._footer(notes, 'simple')
        out_dir = os.path.join(run_dir, 'summary')
        base = os.path.join(out_dir, f'summary_{time_str}')
        atomic_write_text(base + '.txt', table + '\n')
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header)
        writer.writerows(rows)
        atomic_write_text(base + '.csv', buf.getvalue())
        atomic_write_text(base + '.md', tabulate(display, headers=header, tablefmt='github',
                                                 disable_numparse=True)
                          + self._footer(notes, 'github') + '\n')
        return table

    def _footer(self, notes: list[str], fmt: str) -> str:
        """Notes explaining each ``-``, then failed-sample and token counts when known."""
        text = ''
        if notes:
            text += '\n\nWhy scores are missing:\n' + '\n'.join(notes)
        stats = getattr(self, 'sample_stats', [])
        if stats:
            text += '\n\nSamples and tokens:\n' + tabulate(
                stats, headers=['model', 'dataset', 'samples', 'failed', 'prompt_tokens',
                                'completion_tokens'], tablefmt=fmt, disable_numparse=True)
        return text


def pick_metric(results: list[dict[str, Any] | None]) -> str | None:
    keys: list[str] = []
    for res in results:
        if res:
            keys += [k for k, v in res.items()
                     if k not in NON_METRIC_KEYS and isinstance(v, (int, float)) and k not in keys]
    for preferred in METRIC_PRIORITY:
        if preferred in keys:
            return preferred
    return keys[0] if keys else None


def dataset_mode(dataset: dict[str, Any]) -> str:
    inferencer = dataset.get('infer_cfg', {}).get('inferencer', {}).get('type', 'GenInferencer')
    name = short_type(inferencer)
    if 'PPL' in name:
        return 'ppl'
    if 'LL' in name:
        return 'll'
    return 'gen'
