"""Reuse the last summary and HTML report when nothing they are made from has changed.

A ``-r`` that finds every output done would otherwise rebuild the same table and page
from every result file (50,000 of them at issue 13's scale). The inputs of
``DefaultSummarizer`` and the report are the config, the result files, the prediction
files (prompts shown in the report), the task records (``status/tasks.json``) and the
summarizer's own code; their digest (stats, not contents: any rewrite changes a file's
inode or ctime) is kept with the names of the files the last summary wrote, in
``status/summary_cache.json``. When the digest is the same and those files are still
there, they are copied under the new timestamp instead. A run with a missing result
(explanations read journals and logs), ``--compare`` or another summarizer class is
always summarized afresh.
"""
from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING, Any

from ..tasks.output_index import stat_key
from ..tasks.outputs import output_file
from ..utils.abbr import model_abbr
from ..utils.fileio import atomic_write_json, atomic_write_text, read_json
from ..utils.logging import get_logger
from ..utils.serialize import fingerprint

if TYPE_CHECKING:
    from ..pipeline import Pipeline
    from .base import Summarizer

VERSION = 'summary-cache-1'
SUFFIXES = ('.txt', '.csv', '.md')


def cache_file(run_dir: str) -> str:
    return os.path.join(run_dir, 'status', 'summary_cache.json')


def _code_stats() -> list[str]:
    """The summary's code: an upgraded summarizer must not reuse an old table."""
    from . import default, groups, html_assets, html_report, missing, viz
    out = [VERSION]
    for module in (default, groups, html_assets, html_report, missing, viz):
        st = os.stat(str(module.__file__))
        out.append(f'{os.path.basename(str(module.__file__))}:{st.st_size}:{st.st_mtime_ns}')
    return out


def inputs_digest(pipeline: Pipeline, summarizer: Summarizer) -> str | None:
    """A digest of everything the summary and report read, or None when they cannot be
    reused (see the module docstring)."""
    from .default import DefaultSummarizer
    if type(summarizer) is not DefaultSummarizer or getattr(pipeline, 'compare_dir', None):
        return None
    run_dir, cfg = pipeline.run_dir, pipeline.cfg
    index = pipeline.output_index()  # the stats the eval check just verified, if it ran
    h = hashlib.sha256()
    h.update('\n'.join(_code_stats() + [run_dir, fingerprint(cfg)]).encode())
    records = os.path.join(run_dir, 'status', 'tasks.json')
    keys = [_stat_or(records, 'none')]
    for m in cfg.get('models', []):
        keys.append(_stat_or(os.path.join(run_dir, 'predictions', model_abbr(m)), 'none'))
        for d in cfg.get('datasets', []):
            result = _stat(index, output_file(run_dir, 'results', m, d))
            if result is None:
                return None  # a missing score is explained from journals and logs
            keys.append(result)
            keys.append(_stat(index, output_file(run_dir, 'predictions', m, d)) or '-')
    h.update('\n'.join(keys).encode())
    return h.hexdigest()


def _stat(index: Any, path: str) -> str | None:
    rel = index.rel(path)
    entry = index.verified.get(rel) if rel is not None else None
    if entry is not None:
        return str(entry.out)
    try:
        return stat_key(os.stat(path))
    except OSError:
        return None


def _stat_or(path: str, default: str) -> str:
    try:
        return stat_key(os.stat(path))
    except OSError:
        return default


def reuse(run_dir: str, digest: str | None, time_str: str) -> tuple[str, list[str], str | None] | None:
    """Copy the last summary (and report) to ``time_str`` if ``digest`` is unchanged:
    ``(table, summary lines, report path)``, or None to summarize afresh."""
    if digest is None:
        return None
    try:
        saved = read_json(cache_file(run_dir))
        if saved.get('digest') != digest:
            return None
        old, summary_dir = str(saved['time_str']), os.path.join(run_dir, 'summary')
        texts = {}
        for suffix in SUFFIXES:
            with open(os.path.join(summary_dir, f'summary_{old}{suffix}'), encoding='utf-8') as f:
                texts[suffix] = f.read()
        report = None
        if saved.get('report'):
            with open(os.path.join(summary_dir, f'report_{old}.html'), encoding='utf-8') as f:
                report = f.read()
            stamp = f'report written {old} &middot;'
            if report.count(stamp) != 1:
                return None
            report = report.replace(stamp, f'report written {time_str} &middot;')
        lines = [str(x) for x in saved['lines']]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    path = os.path.join(summary_dir, f'report_{time_str}.html') if report is not None else None
    if old != time_str:  # (in the same second, the files to write are those already there)
        for suffix, text in texts.items():
            atomic_write_text(os.path.join(summary_dir, f'summary_{time_str}{suffix}'), text)
        if path is not None and report is not None:
            atomic_write_text(path, report)
    get_logger().info('summary and report unchanged since %s: copied (nothing they read '
                      'changed)', old)
    return texts['.txt'].removesuffix('\n'), lines, path


def store(run_dir: str, digest: str | None, time_str: str, lines: list[str],
          report_path: str | None) -> None:
    """Remember what this summary was made from (best effort)."""
    if digest is None:
        return
    try:
        atomic_write_json(cache_file(run_dir), {'digest': digest, 'time_str': time_str,
                                                'lines': lines, 'report': bool(report_path)})
    except (OSError, TypeError, ValueError):
        pass
