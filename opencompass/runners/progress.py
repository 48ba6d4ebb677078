"""Live view of a stage: a tqdm bar of tasks on a terminal, periodic lines elsewhere.

Tasks write ``status/STAGE/SLUG.json`` (samples done / total); ``poll`` reads those
of running tasks so the view shows sample progress without reading any log.
"""
from __future__ import annotations

import json
import sys
import threading
import time
from typing import IO

from ..tasks.base import BaseTask
from ..utils.logging import get_logger


class TaskProgress:
    """Counts pending/running/done/failed/retried tasks and renders them."""

    def __init__(self, tasks: list[BaseTask], interval: float = 30.0, stream: IO[str] | None = None):
        self.total = len(tasks)
        self.running: dict[str, BaseTask] = {}
        self.done = self.failed = self.retries = 0
        self.started = time.time()
        self.interval = interval
        self._last_line = time.time()
        self._lock = threading.Lock()
        stream = stream or sys.stderr
        self.bar = None
        if stream.isatty():
            from tqdm import tqdm
            self.bar = tqdm(total=self.total, desc='tasks', unit='task', file=stream,
                            dynamic_ncols=True)

    def start(self, task: BaseTask) -> None:
        with self._lock:
            self.running[task.slug] = task
        self._render()

    def retried(self, task: BaseTask) -> None:
        with self._lock:
            self.retries += 1

    def finish(self, task: BaseTask, ok: bool) -> None:
        with self._lock:
            self.running.pop(task.slug, None)
            if ok:
                self.done += 1
            else:
                self.failed += 1
            if self.bar is not None:
                self.bar.update(1)
        self._render(force=self.bar is None)

    def samples(self) -> tuple[int, int]:
        """Samples done and total over the running tasks, from their status files."""
        per_task = self.task_samples()
        return sum(d for _, d, _ in per_task), sum(t for _, _, t in per_task)

    def task_samples(self) -> list[tuple[str, int, int]]:
        """``(task, samples done, samples total)`` of each running task with a status file."""
        with self._lock:
            running = list(self.running.values())
        out = []
        for task in running:
            try:
                with open(task.status_file(), encoding='utf-8') as f:
                    status = json.load(f)
                out.append((task.short_name, int(status.get('done', 0)),
                            int(status.get('total', 0))))
            except (OSError, ValueError, TypeError, AttributeError):
                continue
        return out

    def eta(self, per_task: list[tuple[str, int, int]]) -> float | None:
        """Seconds left, from finished tasks plus the finished fraction of running ones."""
        units = self.done + self.failed + sum(d / t for _, d, t in per_task if t)
        if units <= 0 or units >= self.total:
            return None
        elapsed = time.time() - self.started
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
        if per_task:
            shown = ', '.join(f'{name} {d}/{t}' for name, d, t in per_task[:4])
            more = f' +{len(per_task) - 4} more' if len(per_task) > 4 else ''
            text += f'; samples: {shown}{more}'
        eta = self.eta(per_task)
        if eta is not None and pending + len(self.running):
            text += f'; ETA {_duration(eta)}'
        return text

    def _render(self, force: bool = False) -> None:
        if self.bar is not None:
            pending = self.total - self.done - self.failed - len(self.running)
            per_task = self.task_samples()
            sdone, stotal = sum(d for _, d, _ in per_task), sum(t for _, _, t in per_task)
            post = f'run {len(self.running)} pend {pending} fail {self.failed}'
            if self.retries:
                post += f' retried {self.retries}'
            if stotal:
                post += f' samples {sdone}/{stotal}'
            eta = self.eta(per_task)
            if eta is not None:
                post += f' eta {_duration(eta)}'
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
