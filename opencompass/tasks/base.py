"""The task contract: what a runner needs to launch, log and check a unit of work."""
from __future__ import annotations

import json
import os
import sys
import time
from abc import ABC, abstractmethod
from typing import Any

from ..utils.abbr import dataset_abbr, model_abbr, safe_name, task_name
from ..utils.fileio import atomic_write_json


class BaseTask(ABC):
    """One unit of work over ``models x datasets`` inside a run directory.

    ``cfg`` is plain JSON: ``{'models': [m], 'datasets': [[d, ...]], 'work_dir': RUN_DIR}``.
    A task must be runnable in a fresh process from its task file alone.
    """

    stage = ''          # 'infer' or 'eval': names the logs/ and status/ sub-folders
    output_kind = ''    # 'predictions' or 'results'

    def __init__(self, cfg: dict[str, Any]):
        self.cfg = cfg
        self.model_cfgs: list[dict[str, Any]] = cfg['models']
        self.dataset_cfgs: list[list[dict[str, Any]]] = cfg['datasets']
        self.work_dir: str = cfg['work_dir']
        self.num_gpus: int = max(int(m.get('run_cfg', {}).get('num_gpus', 0) or 0)
                                 for m in self.model_cfgs)
        self.num_procs: int = max(int(m.get('run_cfg', {}).get('num_procs', 1) or 1)
                                  for m in self.model_cfgs)
        self._last_progress = 0.0
        self._done_by_dataset: dict[str, int] = {}

    # -- identity --------------------------------------------------------------
    @property
    def name(self) -> str:
        return f'{type(self).__name__}[{task_name(self.model_cfgs, self.dataset_cfgs)}]'

    @property
    def short_name(self) -> str:
        return task_name(self.model_cfgs, self.dataset_cfgs)

    @property
    def slug(self) -> str:
        """A file-name-safe id, unique within a run and stage."""
        first = self.dataset_cfgs[0][0]
        n = sum(len(d) for d in self.dataset_cfgs)
        tail = f'+{n - 1}' if n > 1 else ''
        return safe_name(f'{model_abbr(self.model_cfgs[0])}.{dataset_abbr(first)}{tail}')

    def log_path(self) -> str:
        """``logs/STAGE/MODEL/DATASET.out`` named after the first model and dataset."""
        return os.path.join(self.work_dir, 'logs', self.stage, model_abbr(self.model_cfgs[0]),
                            f'{dataset_abbr(self.dataset_cfgs[0][0])}.out')

    def task_file(self) -> str:
        return os.path.join(self.work_dir, 'tasks', self.stage, f'{self.slug}.json')

    def status_file(self) -> str:
        return os.path.join(self.work_dir, 'status', self.stage, f'{self.slug}.json')

    # -- launching ---------------------------------------------------------------
    def write_task_file(self) -> str:
        path = self.task_file()
        from ..utils.serialize import externalize_secrets  # keys travel in the environment
        cls = type(self)  # a task class from outside the package travels as its import path
        kind = cls.__name__ if cls.__module__.startswith('opencompass.') else \
            f'{cls.__module__}.{cls.__qualname__}'
        atomic_write_json(path, {'type': kind, **externalize_secrets(self.cfg)})
        return path

    def command(self) -> list[str]:
        """The argv that runs this task in a fresh process (the task file must exist)."""
        return [sys.executable, '-m', 'opencompass.tasks', self.task_file()]

    # -- outputs -------------------------------------------------------------------
    @abstractmethod
    def output_paths(self) -> list[str]:
        """The files this task writes (``--force`` deletes them before a rerun)."""

    @abstractmethod
    def is_done(self) -> bool:
        """True when every output exists and is up to date."""

    @abstractmethod
    def run(self) -> None:
        """Do the work in this process; raise an OpenCompassError on a user error."""

    # -- progress --------------------------------------------------------------------
    def report_progress(self, done: int, total: int, force: bool = False, **extra: Any) -> None:
        """Write ``status/STAGE/SLUG.json`` (throttled) so runners can show live progress.

        ``done``/``total`` count the current dataset (``extra['dataset']``); ``task_done``
        counts the samples of every dataset of this task so far, so a bar over the task never
        jumps back when it moves on to its next dataset.
        """
        self._done_by_dataset[str(extra.get('dataset', ''))] = done
        now = time.time()
        if not force and now - self._last_progress < 1.0 and done < total:
            return
        self._last_progress = now
        try:
            atomic_write_json(self.status_file(), {
                'task': self.short_name, 'done': done, 'total': total,
                'task_done': sum(self._done_by_dataset.values()), 'time': now,
                'pid': os.getpid(), **extra})
        except OSError:
            pass


def load_task(path: str) -> BaseTask:
    """Rebuild a task from its task file."""
    from ..registry import TASKS
    from ..utils.redaction import register_config, register_environment
    with open(path, encoding='utf-8') as f:
        cfg = json.load(f)
    register_environment()  # the secrets the driver handed down (OC_SECRET_*, OC_REDACT_ENV)
    register_config(cfg)
    cls = TASKS.get(cfg.pop('type'))
    return cls(cfg)
