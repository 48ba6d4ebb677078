"""Live view of a stage: a tqdm bar of tasks on a terminal, periodic lines elsewhere.

Tasks write ``status/STAGE/SLUG.json`` (samples done / total); ``poll`` reads those
of running tasks so the view shows sample progress without reading any log.
"""
from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

from ..tasks.base import BaseTask
from ..utils.logging import get_logger


class TaskProgress:
    """Counts pending/running/done/failed/retried tasks and renders them."""

    def __init__(self, tasks: list[BaseTask], interval: float = 30.0, stream: Any = None):
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
        done = total = 0
        with self._lock:
            running = list(self.running.values())
        for task in running:
            try:
                with open(task.status_file(), encoding='utf-8') as f:
                    status = json.load(f)
                done += int(status.get('done', 0))
                total += int(status.get('total', 0))
            except (OSError, ValueError):
                continue
        return done, total

    def poll(self) -> None:
        self._render()

    def summary(self) -> str:
        pending = self.total - self.done - self.failed - len(self.running)
        sdone, stotal = self.samples()
        text = (f'{self.done + self.failed}/{self.total} tasks: {len(self.running)} running, '
                f'{pending} pending, {self.done} done, {self.failed} failed')
        if self.retries:
            text += f', {self.retries} retried'
        if stotal:
            text += f'; running tasks at {sdone}/{stotal} samples'
        finished = self.done + self.failed
        if finished and pending + len(self.running):
            elapsed = time.time() - self.started
            eta = elapsed / finished * (self.total - finished)
            text += f'; ETA {eta:.0f}s'
        return text

    def _render(self, force: bool = False) -> None:
        if self.bar is not None:
            pending = self.total - self.done - self.failed - len(self.running)
            sdone, stotal = self.samples()
            post = f'run {len(self.running)} pend {pending} fail {self.failed}'
            if stotal:
                post += f' samples {sdone}/{stotal}'
            self.bar.set_postfix_str(post, refresh=True)
            return
        now = time.time()
        if force or now - self._last_line >= self.interval:
            self._last_line = now
            get_logger().info(self.summary())

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
