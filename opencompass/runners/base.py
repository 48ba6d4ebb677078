"""The runner contract: ``launch(tasks) -> [TaskStatus]``, plus in-process debug mode."""
from __future__ import annotations

import os
import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import OpenCompassError
from ..registry import TASKS
from ..tasks.base import BaseTask
from ..utils.logging import add_file_handler, get_logger

if TYPE_CHECKING:
    from .progress import TaskProgress

# A task that exits with 1 failed on a user error (bad config, missing file: an
# OpenCompassError, see tasks/__main__.py); running it again would fail the same way.
# Crashes (exit 2), kills (negative codes, srun's 137/143) and dead workers are retried.
USER_ERROR = 1


@dataclass
class TaskStatus:
    """How one task ended: ``returncode`` 0 is success; ``attempts`` counts tries."""

    name: str
    log_path: str
    returncode: int
    attempts: int = 1
    seconds: float = 0.0
    error: str = ''
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class BaseRunner(ABC):
    """Shared settings of runners; subclasses implement :meth:`launch_all`.

    ``task`` is the task config from the config file (``dict(type=OpenICLInferTask)``).
    """

    def __init__(self, task: dict[str, Any] | None = None, max_num_workers: int = 16, debug: bool = False,
                 retry: int = 0, **kwargs: Any):
        self.task_cfg = dict(task or {})
        self.max_num_workers = max(1, int(max_num_workers))
        self.debug = debug
        self.retry = int(retry)
        self.options = kwargs
        self._stopping = False  # set once the run is being cancelled

    def run_with_retry(self, task: BaseTask, progress: TaskProgress,
                       attempt: Callable[[int, int], TaskStatus]) -> TaskStatus:
        """Call ``attempt(n, tries)`` until :meth:`settle` says the task is settled."""
        tries = self.retry + 1
        n = 0
        while True:
            n += 1
            status = attempt(n, tries)
            if self.settle(task, status, n, tries, progress):
                return status

    def settle(self, task: BaseTask, status: TaskStatus, n: int, tries: int,
               progress: Any) -> bool:
        """Every runner's one retry policy, after attempt ``n`` of ``tries`` of ``task``.

        True: the task is settled (it succeeded, failed on a user error, ran out of its
        ``retry`` budget, or the run is being cancelled) and ``status`` is final.
        False: it is to be run again (logged, counted as a retry).
        """
        logger = get_logger()
        if (status.ok or n >= tries or self._stopping
                or status.returncode == USER_ERROR):
            status.attempts = n
            progress.finish(task, status.ok)
            if status.ok and n > 1:
                logger.info('%s succeeded on attempt %d/%d', task.name, n, tries)
            elif not status.ok and not self._stopping and n > 1:
                status.error = f'{status.error} (gave up after {n} attempt(s))'.strip()
            return True
        logger.warning('%s: %s; retrying (attempt %d/%d)', task.name,
                       status.error or f'exit {status.returncode}', n + 1, tries)
        progress.retried(task)
        return False

    def task_class(self) -> type[BaseTask]:
        return TASKS.get(self.task_cfg.get('type', 'OpenICLInferTask'), where='runner.task.type')

    def make_tasks(self, task_cfgs: list[dict[str, Any]]) -> list[BaseTask]:
        cls = self.task_class()
        return [cls(cfg) for cfg in task_cfgs]

    def launch(self, tasks: list[BaseTask]) -> list[TaskStatus]:
        if not tasks:
            return []
        if self.debug:
            return [self.run_in_process(t) for t in tasks]
        return self.launch_all(tasks)

    @abstractmethod
    def launch_all(self, tasks: list[BaseTask]) -> list[TaskStatus]:
        """Run every task (none is skipped) and return one status per task, in order."""

    def describe(self, task: BaseTask) -> str:
        """The command this runner would run for ``task`` (for ``--dry-run``)."""
        return ' '.join(task.command())

    def describe_all(self, tasks: list[BaseTask]) -> list[str]:
        """``--dry-run``: what this runner would run for each of ``tasks``."""
        return [self.describe(t) for t in tasks]

    @staticmethod
    def run_in_process(task: BaseTask) -> TaskStatus:
        """``--debug``: run in this process, output live on the terminal and in the log."""
        logger = get_logger()
        log_path = task.log_path()
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        open(log_path, 'w').close()
        add_file_handler(log_path)
        handler = logger.handlers[-1]
        started = time.time()
        logger.info('running %s in this process (--debug)', task.name)
        code, error = 0, ''
        try:
            task.run()
        except OpenCompassError as e:
            code, error = 1, str(e)
            logger.error('%s failed: %s', task.name, e)
        except Exception as e:  # noqa: BLE001 - a failing task must not stop the others
            code, error = 2, f'{type(e).__name__}: {e}'
            logger.error('%s crashed:\n%s', task.name, traceback.format_exc())
        finally:
            logger.removeHandler(handler)
            handler.close()
        return TaskStatus(task.name, log_path, code, seconds=time.time() - started, error=error)
