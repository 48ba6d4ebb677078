"""Several parts of one model in one Slurm job: grouping, the job's part list, its results.

``SlurmRunner`` groups the tasks of one model (same model config, one process each) into
jobs of up to ``tasks_per_job`` parts (default: as many as keep ``max_num_workers`` jobs
busy, see :func:`plan_groups`). A group's job runs ``python -m opencompass.tasks --batch
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
                max_num_workers: int) -> list[list[int]]:
    """Task indices grouped into jobs, in ``order`` (heaviest first).

    Only tasks of the same model share a job. ``tasks_per_job=None`` sizes groups so the
    run still has ``max_num_workers`` jobs to run at once when it has that many tasks;
    ``1`` is one job per task.
    """
    size = tasks_per_job if tasks_per_job is not None else \
        math.ceil(len(tasks) / max(1, max_num_workers))
    size = max(1, int(size))
    groups: list[list[int]] = []
    open_group: dict[str, list[int]] = {}
    for i in order:
        task = tasks[i]
        if size == 1 or not groupable(task):
            groups.append([i])
            continue
        key = f'{task.stage}|{model_key(task)}'
        group = open_group.get(key)
        if group is None or len(group) >= size:
            group = open_group[key] = []
            groups.append(group)
        group.append(i)
    return groups


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
