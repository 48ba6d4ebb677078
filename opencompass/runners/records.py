"""``status/tasks.json``: how every task of a run ended, kept across ``-r`` re-runs.

The pipeline records each finished task (stage, the model/dataset pairs it
covers, exit code, attempts, seconds, error, log path); the summarizer uses the
records to explain missing scores and the HTML report shows the timings.
"""
from __future__ import annotations

import os
import time
from typing import Any

from ..tasks.base import BaseTask
from ..utils.abbr import dataset_abbr, model_abbr
from ..utils.fileio import atomic_write_json, read_json
from .base import TaskStatus


def records_file(run_dir: str) -> str:
    return os.path.join(run_dir, 'status', 'tasks.json')


def task_pairs(task: BaseTask) -> list[list[str]]:
    """``[[model, dataset], ...]`` a task covers (split parts name their base dataset)."""
    return [[model_abbr(m), d.get('base_abbr') or dataset_abbr(d)]
            for m, ds in zip(task.model_cfgs, task.dataset_cfgs) for d in ds]


def load_records(run_dir: str) -> list[dict[str, Any]]:
    """The recorded tasks, oldest first (empty when there are none)."""
    try:
        data = read_json(records_file(run_dir))
    except (OSError, ValueError):
        return []
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []


def record_stage(run_dir: str, stage: str, tasks: list[BaseTask],
                 statuses: list[TaskStatus]) -> None:
    """Add (or replace, by stage and task name) the records of one stage's tasks."""
    by_name = {t.name: t for t in tasks}
    now = time.time()
    fresh = []
    for s in statuses:
        task = by_name.get(s.name)
        fresh.append({'stage': stage, 'name': s.name,
                      'short_name': task.short_name if task else s.name,
                      'pairs': task_pairs(task) if task else [], 'ok': s.ok,
                      'returncode': s.returncode, 'attempts': s.attempts,
                      'seconds': round(s.seconds, 3), 'error': s.error,
                      'log_path': s.log_path, 'finished': now, **_job_fields(s)})
    keys = {(r['stage'], r['name']) for r in fresh}
    kept = [r for r in load_records(run_dir) if (r.get('stage'), r.get('name')) not in keys]
    try:
        atomic_write_json(records_file(run_dir), kept + fresh)
    except OSError:
        pass


def _job_fields(status: TaskStatus) -> dict[str, Any]:
    """The Slurm job that ran a task last, and how it ended (SlurmRunner's ``extra``)."""
    keys = ('job', 'job_id', 'job_state')
    return {'slurm': {k: status.extra[k] for k in keys if k in status.extra}} \
        if 'job' in status.extra else {}


def failures_by_pair(records: list[dict[str, Any]], stage: str) -> dict[tuple[str, str], dict[str, Any]]:
    """For each (model, dataset), the newest failed record of ``stage`` covering it.

    Each task name keeps only its latest record, so a failure listed here was not
    fixed by a later attempt of the same task.
    """
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for r in sorted((r for r in records if r.get('stage') == stage and not r.get('ok')),
                    key=lambda r: r.get('finished', 0)):
        for pair in r.get('pairs', []):
            out[(pair[0], pair[1])] = r
    return out
