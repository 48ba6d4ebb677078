"""``LocalRunner``: tasks as subprocesses on this machine, GPUs shared out by slot."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

from ..errors import RunnerError
from ..registry import RUNNERS
from ..tasks.base import BaseTask
from ..utils.env import with_package_on_path
from .base import BaseRunner, TaskStatus
from .common import last_error_line, task_weight  # re-exported (makespan.py patches it here)
from .progress import TaskProgress
from .worker import TaskPicker, WorkerPool


def visible_gpus() -> list[str]:
    """GPU ids from ``CUDA_VISIBLE_DEVICES``, else ``nvidia-smi -L``, else none."""
    env = os.environ.get('CUDA_VISIBLE_DEVICES')
    if env is not None:
        return [g.strip() for g in env.split(',') if g.strip() and g.strip() != '-1']
    try:
        out = subprocess.run(['nvidia-smi', '-L'], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [str(i) for i, line in enumerate(out.stdout.splitlines()) if line.startswith('GPU')]


class GpuPool:
    """Hands out GPU slots; each GPU has ``per_gpu`` slots, a task takes whole GPUs."""

    def __init__(self, gpus: list[str], per_gpu: int = 1):
        self.free = {g: per_gpu for g in gpus}
        self.cond = threading.Condition()

    def acquire(self, n: int) -> list[str]:
        if n == 0:
            return []
        with self.cond:
            while True:
                ready = [g for g, slots in self.free.items() if slots > 0]
                if len(ready) >= n:
                    chosen = sorted(ready, key=lambda g: -self.free[g])[:n]
                    for g in chosen:
                        self.free[g] -= 1
                    return chosen
                self.cond.wait()

    def release(self, gpus: list[str]) -> None:
        with self.cond:
            for g in gpus:
                self.free[g] += 1
            self.cond.notify_all()


@RUNNERS.register_module()
class LocalRunner(BaseRunner):
    """Runs up to ``max_num_workers`` tasks at once as child processes.

    A task needing ``run_cfg.num_gpus`` GPUs gets them through ``CUDA_VISIBLE_DEVICES``
    (at most ``max_workers_per_gpu`` tasks per GPU); tasks needing none never wait.
    With ``reuse_workers`` (default) each slot runs its tasks in one long-lived worker
    process that keeps its model loaded (runners/worker.py); False: a process per task.
    A failed task is run again up to ``retry`` times (default 2), unless it failed on a
    user error (exit 1), which would only fail again. Ctrl-C or SIGTERM kills the process
    group of every running task; tasks also die with the runner if it is killed.
    """

    def __init__(self, max_workers_per_gpu: int = 1, reuse_workers: bool = True,
                 retry: int = 2, **kwargs: Any):
        super().__init__(retry=retry, **kwargs)
        self.max_workers_per_gpu = max(1, int(max_workers_per_gpu))
        self.reuse_workers = bool(reuse_workers)
        self._workers: WorkerPool | None = None
        self._procs: dict[int, subprocess.Popen[Any]] = {}
        self._lock = threading.Lock()

    def launch_all(self, tasks: list[BaseTask]) -> list[TaskStatus]:
        gpus = visible_gpus()
        too_big = [t for t in tasks if t.num_gpus > len(gpus)]
        if too_big:
            raise RunnerError(f'{too_big[0].name} needs {too_big[0].num_gpus} GPU(s) but '
                              f'{len(gpus)} are visible here; lower run_cfg.num_gpus or use '
                              'Slurm (-p PARTITION)')
        pool = GpuPool(gpus, self.max_workers_per_gpu)
        progress = TaskProgress(tasks)
        # long tasks first, so the makespan is not decided by one late starter
        order = sorted(range(len(tasks)), key=lambda i: -task_weight(tasks[i]))
        results: list[TaskStatus | None] = [None] * len(tasks)

        def work(i: int) -> None:
            if not self._stopping:
                results[i] = self.run_with_retry(
                    tasks[i], progress, lambda n, _: self._run_once(tasks[i], pool, progress, n))

        slots = min(self.max_num_workers, len(tasks))
        picker = TaskPicker(tasks, order)  # a slot's current model first, then the heaviest
        self._workers = WorkerPool(self._procs, self._lock) if self.reuse_workers else None
        ex = ThreadPoolExecutor(max_workers=slots)
        try:
            futures = [ex.submit(picker.drain, work) for _ in range(slots)]
            for future in futures:  # not ``with``: its exit would wait for every task first
                future.result()
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (see cli.py): stop every task now
            self.terminate_all()
            raise
        finally:
            ex.shutdown(wait=True, cancel_futures=True)
            if self._workers is not None:
                self._workers.close()
            progress.close()
        return [r for r in results if r is not None]

    def _run_once(self, task: BaseTask, pool: GpuPool, progress: TaskProgress,
                  attempt: int) -> TaskStatus:
        gpus = pool.acquire(task.num_gpus)
        started = time.time()
        try:
            task.write_task_file()
            log_path = task.log_path()
            os.makedirs(os.path.dirname(log_path), exist_ok=True)
            env = with_package_on_path(dict(os.environ))
            env['OC_PARENT_PID'] = str(os.getpid())  # the task dies with us (tasks/__main__.py)
            if task.num_gpus:
                env['CUDA_VISIBLE_DEVICES'] = ','.join(gpus)
            elif gpus == [] and 'CUDA_VISIBLE_DEVICES' not in env:
                env['CUDA_VISIBLE_DEVICES'] = ''
            progress.start(task)
            with open(log_path, 'a' if attempt > 1 else 'w', encoding='utf-8') as log:
                if attempt > 1:
                    log.write(f'\n===== attempt {attempt} =====\n')
                    log.flush()
                if self._stopping:
                    return TaskStatus(task.name, log_path, -signal.SIGTERM)
                if self._workers is not None and self._workers.accepts(task):
                    code = self._workers.run(task, log_path, env, progress.poll)
                else:
                    code = self._run_process(task, log, env, progress)
            error = '' if code == 0 else last_error_line(log_path)
            return TaskStatus(task.name, log_path, code, seconds=time.time() - started,
                              error=error)
        finally:
            pool.release(gpus)

    def _run_process(self, task: BaseTask, log: IO[str], env: dict[str, str],
                     progress: TaskProgress) -> int:
        """Run ``task`` in a child process of its own (its own session); its exit status."""
        proc = subprocess.Popen(task.command(), stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True, stdin=subprocess.DEVNULL)
        with self._lock:
            self._procs[proc.pid] = proc
            if self._stopping:  # terminate_all ran while we were starting it
                os.killpg(proc.pid, signal.SIGTERM)
        try:
            while True:
                try:
                    return proc.wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    progress.poll()
        finally:
            with self._lock:
                self._procs.pop(proc.pid, None)

    def terminate_all(self) -> None:
        """Kill every running task's whole process group."""
        with self._lock:
            self._stopping = True
            procs = list(self._procs.values())
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.time() + 5
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
