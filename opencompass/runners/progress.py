"""Live view of a stage: a tqdm bar of samples on a terminal, periodic lines elsewhere.

The bar counts the stage's samples (the unit a user waits for), with tasks done, running
and failed beside it. Its total is known up front: each task's datasets are sized the
way the partitioner sizes them (a part's range, else ``estimate_size``). Tasks write
``status/STAGE/SLUG.json`` with ``task_done``, the samples finished over all their
datasets; ``poll`` reads those of running tasks, so the bar moves without reading any log
and never jumps back when a task moves on to its next dataset. When no size is known
(a loader that cannot count), the bar falls back to counting tasks.
"""
from __future__ import annotations

import json
import sys
import threading
import time
from typing import IO, Any

from ..tasks.base import BaseTask
from ..utils.logging import get_logger

_SIZES: dict[str, int] = {}


def dataset_samples(dataset_cfg: dict[str, Any]) -> int:
    """Samples of one dataset entry: its part's range, else its size (0 when unknown)."""
    part = dataset_cfg.get('part')
    if part:
        return max(0, int(part[1]) - int(part[0]))
    key = json.dumps(dataset_cfg, sort_keys=True, default=str)
    if key not in _SIZES:
        from ..datasets.build import estimate_size
        try:
            _SIZES[key] = max(0, int(estimate_size(dataset_cfg)))
        except Exception:  # any loader error surfaces in the task itself, with its context
            _SIZES[key] = 0
    return _SIZES[key]


def expected_samples(task: BaseTask) -> int:
    """Samples a task will go through, over all its datasets (0 when any is unknown)."""
    sizes = [dataset_samples(d) for ds in task.dataset_cfgs for d in ds]
    return 0 if not sizes or 0 in sizes else sum(sizes)


class TaskProgress:
    """Counts samples and pending/running/done/failed/retried tasks, and renders them."""

    def __init__(self, tasks: list[BaseTask], interval: float = 30.0, stream: IO[str] | None = None):
        self.total = len(tasks)
        self.running: dict[str, BaseTask] = {}
        self.done = self.failed = self.retries = 0
        self.started = time.time()
        self.interval = interval
        self._last_line = time.time()
        self._lock = threading.Lock()
        self.expected = {t.slug: expected_samples(t) for t in tasks}
        known = all(self.expected.values()) and bool(tasks)
        self.sample_total = sum(self.expected.values()) if known else 0
        self.finished_samples = 0  # samples of tasks that have ended
        stream = stream or sys.stderr
        self.bar = None
        if stream.isatty():
            from tqdm import tqdm
            stage = tasks[0].stage if tasks else ''
            if self.sample_total:
                self.bar = tqdm(total=self.sample_total, desc=stage or 'samples', unit='sample',
                                file=stream, dynamic_ncols=True)
            else:
                self.bar = tqdm(total=self.total, desc=stage or 'tasks', unit='task', file=stream,
                                dynamic_ncols=True)

    def start(self, task: BaseTask) -> None:
        with self._lock:
            self.running[task.slug] = task
        self._render()

    def retried(self, task: BaseTask) -> None:
        with self._lock:
            self.retries += 1

    def finish(self, task: BaseTask, ok: bool) -> None:
        # a task that succeeded did all its samples; one that failed, those it reported
        reached = self.expected.get(task.slug, 0) if ok else self._task_done(task)
        with self._lock:
            self.running.pop(task.slug, None)
            self.finished_samples += reached
            if ok:
                self.done += 1
            else:
                self.failed += 1
        self._render(force=self.bar is None)

    def _status(self, task: BaseTask) -> dict[str, Any] | None:
        try:
            with open(task.status_file(), encoding='utf-8') as f:
                status = json.load(f)
            return status if isinstance(status, dict) else None
        except (OSError, ValueError, AttributeError):
            return None

    def _task_done(self, task: BaseTask) -> int:
        """Samples a task has finished over all its datasets, capped at its expected count."""
        status = self._status(task) or {}
        try:
            done = int(status.get('task_done', status.get('done', 0)) or 0)
        except (TypeError, ValueError):
            return 0
        cap = self.expected.get(task.slug, 0)
        return min(done, cap) if cap else done

    def samples(self) -> tuple[int, int]:
        """Samples done and total over the whole stage (total 0 when sizes are unknown)."""
        with self._lock:
            running = list(self.running.values())
            finished = self.finished_samples
        done = finished + sum(self._task_done(t) for t in running)
        return min(done, self.sample_total) if self.sample_total else done, self.sample_total

    def task_samples(self) -> list[tuple[str, int, int]]:
        """``(task, samples done, samples total)`` of each running task with a status file."""
        with self._lock:
            running = list(self.running.values())
        out = []
        for task in running:
            status = self._status(task) or {}
            try:
                out.append((task.short_name, int(status['done']), int(status['total'])))
            except (TypeError, KeyError, ValueError):
                continue
        return out

    def eta(self, per_task: list[tuple[str, int, int]]) -> float | None:
        """Seconds left: from samples done when the stage's size is known, else from
        finished tasks plus the finished fraction of running ones."""
        elapsed = time.time() - self.started
        if self.sample_total:
            done, total = self.samples()
            return elapsed / done * (total - done) if 0 < done < total else None
        units = self.done + self.failed + sum(d / t for _, d, t in per_task if t)
        if units <= 0 or units >= self.total:
            return None
        return elapsed / units * (self.total - units)

    def poll(self) -> None:
        self._render()

    def summary(self) -> str:
        pending = self.total - self.done - self.failed - len(self.running)
        per_task = self.task_samples()
        text = (f'{self.done + self.failed}/{self.total} tasks: {len(self.running)} running, '
                f'{pending} pending, {self.done} done, {self.failed} failed')
        if self.retries:
            text += f', {self.retries} retried'
        if self.sample_total:
            done, total = self.samples()
            text += f'; samples {done}/{total}'
        if per_task:
            shown = ', '.join(f'{name} {d}/{t}' for name, d, t in per_task[:4])
            more = f' +{len(per_task) - 4} more' if len(per_task) > 4 else ''
            text += f'{":" if self.sample_total else "; samples:"} {shown}{more}'
        eta = self.eta(per_task)
        if eta is not None and pending + len(self.running):
            text += f'; ETA {_duration(eta)}'
        return text

    def _render(self, force: bool = False) -> None:
        if self.bar is not None:
            with self._lock:
                ended = self.done + self.failed
                post = f'tasks {ended}/{self.total} ({len(self.running)} running'
                post += f', {self.failed} failed' if self.failed else ''
                post += f', {self.retries} retried)' if self.retries else ')'
            if self.sample_total:
                done, _ = self.samples()
                self.bar.n = max(self.bar.n, done)  # never backwards
            else:
                self.bar.n = ended
            self.bar.set_postfix_str(post, refresh=True)
            return
        now = time.time()
        if force or now - self._last_line >= self.interval:
            self._last_line = now
            get_logger().info(self.summary())

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``2h10m``."""
    seconds = int(seconds)
    if seconds < 60:
        return f'{seconds}s'
    if seconds < 3600:
        return f'{seconds // 60}m{seconds % 60:02d}s'
    return f'{seconds // 3600}h{seconds % 3600 // 60:02d}m'
