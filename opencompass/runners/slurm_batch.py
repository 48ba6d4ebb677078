"""Several parts of one model in one Slurm job: grouping, the job's part list, its results.

``SlurmRunner`` groups the tasks of one model (same model config, one process each) into
jobs of up to ``tasks_per_job`` parts (default: as many jobs as can run at once, see
:func:`plan_groups`). A group's job runs ``python -m opencompass.tasks --batch
LIST`` (``tasks/batch.py``): the parts one after the other in one worker that loads the
model once. :class:`BatchFiles` are the two files of one attempt: the list the job reads
and the results file it appends to as each part starts and ends.
"""
from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from typing import Any

from ..tasks.base import BaseTask
from .worker import model_key


def groupable(task: BaseTask) -> bool:
    """Whether ``task`` can share a job: one process, the standard task-file command."""
    return task.num_procs <= 1 and type(task).command is BaseTask.command


def plan_groups(tasks: Sequence[BaseTask], order: Sequence[int], tasks_per_job: int | None,
                max_num_workers: int, weights: Sequence[float] | None = None,
                slots: int | None = None) -> list[list[int]]:
    """Task indices grouped into jobs, heaviest job first.

    Only tasks of the same model share a job. ``tasks_per_job=None`` sizes groups so the run
    has as many jobs as can run at once: ``max_num_workers``, or fewer when the partition
    only holds ``slots`` such jobs at a time (more, smaller jobs would only run in waves, each
    paying a job start and the model load again). ``1`` is one job per task.

    The parts of one model are spread over its jobs longest-first onto the job with the
    least work so far (``weights``, e.g. rows; equal when not given), so its jobs end
    together instead of the last one holding the run's tail.
    """
    workers = max(1, max_num_workers)
    if tasks_per_job is None and slots is not None and slots > 0:
        workers = min(workers, slots)
    size = tasks_per_job if tasks_per_job is not None else math.ceil(len(tasks) / workers)
    size = max(1, int(size))
    weight = [float(w) for w in weights] if weights is not None else [1.0] * len(tasks)
    groups: list[list[int]] = []
    by_model: dict[str, list[int]] = {}
    for i in order:
        task = tasks[i]
        if size == 1 or not groupable(task):
            groups.append([i])
        else:
            by_model.setdefault(f'{task.stage}|{model_key(task)}', []).append(i)
    for members in by_model.values():
        jobs: list[list[int]] = [[] for _ in range(math.ceil(len(members) / size))]
        load = [0.0] * len(jobs)
        for i in sorted(members, key=lambda k: -weight[k]):   # stable: keeps ``order`` on ties
            j = min((j for j in range(len(jobs)) if len(jobs[j]) < size), key=lambda j: load[j])
            jobs[j].append(i)
            load[j] += weight[i]
        groups += jobs
    rank = {i: n for n, i in enumerate(order)}
    return sorted(groups, key=lambda g: (-sum(weight[i] for i in g), rank[g[0]]))


class BatchFiles:
    """The part list and results file of one attempt of a group's job."""

    def __init__(self, work_dir: str, stage: str, job_name: str, attempt: int):
        base = os.path.join(work_dir, 'tasks', stage, 'jobs', f'{job_name}.{attempt}')
        self.list_file = base + '.json'
        self.results = base + '.results.jsonl'

    def write(self, parts: list[dict[str, str]]) -> None:
        os.makedirs(os.path.dirname(self.list_file), exist_ok=True)
        if os.path.exists(self.results):
            os.remove(self.results)
        from ..utils.fileio import atomic_write_json
        atomic_write_json(self.list_file, {'results': self.results, 'parts': parts})

    def read(self) -> tuple[set[str], dict[str, int]]:
        """Task files started so far, and the exit status of those that ended."""
        started: set[str] = set()
        codes: dict[str, int] = {}
        try:
            with open(self.results, encoding='utf-8') as f:
                lines = f.readlines()
        except OSError:
            return started, codes
        for line in lines:
            try:
                event: dict[str, Any] = json.loads(line)
            except ValueError:  # a line being written
                continue
            if event.get('started'):
                started.add(event['task_file'])
            if 'code' in event:
                codes[event['task_file']] = int(event['code'])
        return started, codes
