"""``SlurmRunner``: each task is one Slurm job run through ``srun``; retries; clean cancel.

``SlurmSequentialRunner`` is the same, but keeps at most one job waiting in the queue: the
next job is submitted only once the previous one has started (for busy clusters).
"""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

from ..errors import ConfigError
from ..registry import RUNNERS
from ..tasks.base import BaseTask
from ..utils.logging import get_logger
from . import slurm_cmd as sc
from .base import BaseRunner, TaskStatus
from .common import last_error_line, task_weight
from .progress import TaskProgress

# srun's exit status when its job was cancelled (scancel, preemption) or killed
CANCELLED_CODES = {143, 137, -signal.SIGTERM, -signal.SIGKILL}


class SlurmJob:
    """One attempt of one task: an ``srun`` process and the Slurm job behind it.

    ``state`` moves SUBMITTED -> RUNNING (seen in squeue) -> COMPLETED | FAILED | CANCELLED.
    """

    def __init__(self, task: BaseTask, attempt: int, name: str, argv: list[str]):
        self.task, self.attempt, self.name, self.argv = task, attempt, name, argv
        self.proc: subprocess.Popen[bytes] | None = None
        self.state = 'NEW'
        self.returncode: int | None = None

    def submit(self, log: IO[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.state = 'SUBMITTED'

    def poll(self) -> int | None:
        code = self.proc.poll() if self.proc else None
        if code is not None:
            self.returncode = code
        return code

    def started(self) -> bool:
        """True once Slurm runs the job (or srun already exited)."""
        if self.poll() is not None:
            return True
        states = [s for _, _, s in sc.list_jobs(self.name, [self.name])]
        if any(s in ('RUNNING', 'COMPLETING', 'COMPLETED') for s in states):
            self.state = 'RUNNING'
            return True
        return False

    def terminate(self) -> None:
        """Stop srun (it cancels the job step); used after ``scancel`` on interrupt."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@RUNNERS.register_module()
class SlurmRunner(BaseRunner):
    """Runs each task as one ``srun`` job, at most ``max_num_workers`` at once.

    Options (config ``runner=dict(type=SlurmRunner, ...)``; ``-p``/``-q``/``--qos`` override):
    ``partition``, ``quotatype`` (reserved|auto|spot; used only when srun supports it),
    ``qos``, ``extra_command`` (extra srun options, list or string), ``retry`` (default 2:
    resubmissions of a failed, cancelled or incomplete task). Every attempt appends to the
    task's ``logs/STAGE/MODEL/DATASET.out`` after an ``===== attempt N/M`` header.
    """

    sequential = False

    def __init__(self, partition: str | None = None, quotatype: str | None = None,
                 qos: str | None = None, extra_command: str | list[str] | None = None,
                 retry: int = 2, poll_interval: float = 0.5, srun: str = 'srun', **kwargs: Any):
        super().__init__(retry=retry, **kwargs)
        if quotatype is not None and quotatype not in sc.QUOTATYPES:
            raise ConfigError(f"runner.quotatype: '{quotatype}' is not one of "
                              f"{', '.join(sc.QUOTATYPES)}")
        self.opts = sc.SrunOptions(partition or None, quotatype or None, qos or None,
                                   sc.normalize_extra(extra_command))
        self.srun = srun
        self.poll_interval = float(poll_interval)
        self._jobs: dict[str, SlurmJob] = {}
        self._lock = threading.Lock()
        self._gate = threading.Lock()        # sequential mode: one job pending at a time
        self._prefix = ''

    # -- the command line --------------------------------------------------------------
    @staticmethod
    def job_name(task: BaseTask) -> str:
        return sc.job_name(task.work_dir, task.stage, task.slug)

    def srun_argv(self, task: BaseTask) -> list[str]:
        return sc.srun_argv(self.opts, self.job_name(task), task.num_gpus, task.command(),
                            sc.quotatype_supported(self.srun), srun=self.srun)

    def describe(self, task: BaseTask) -> str:
        """The exact ``srun`` line of ``task`` (``--dry-run``)."""
        sc.say_quotatype_once(self.opts, sc.quotatype_supported(self.srun), self.srun)
        return shlex.join(self.srun_argv(task))

    # -- running -----------------------------------------------------------------------
    def launch_all(self, tasks: list[BaseTask]) -> list[TaskStatus]:
        sc.preflight(self.opts.partition, self.srun)
        supported = sc.quotatype_supported(self.srun)
        sc.say_quotatype_once(self.opts, supported, self.srun)
        self._prefix = sc.run_prefix(tasks[0].work_dir)
        self._cancel_orphans()
        progress = TaskProgress(tasks)
        order = sorted(range(len(tasks)), key=lambda i: -task_weight(tasks[i]))
        results: list[TaskStatus | None] = [None] * len(tasks)

        def work(i: int) -> None:
            results[i] = self.run_with_retry(
                tasks[i], progress, lambda n, tries: self._run_once(tasks[i], progress, n, tries))

        ex = ThreadPoolExecutor(max_workers=min(self.max_num_workers, len(tasks)))
        try:
            futures = [ex.submit(work, i) for i in order]
            for f in futures:
                while not f.done():
                    time.sleep(0.2)
                f.result()
        except BaseException:   # Ctrl-C, SIGTERM (as KeyboardInterrupt) or a bug: no orphans
            self.cancel_all()
            raise
        finally:
            ex.shutdown(wait=True, cancel_futures=True)
            progress.close()
        return [r for r in results if r is not None]

    def _run_once(self, task: BaseTask, progress: TaskProgress, attempt: int,
                  tries: int) -> TaskStatus:
        started = time.time()
        task.write_task_file()
        argv = self.srun_argv(task)
        job = SlurmJob(task, attempt, self.job_name(task), argv)
        log_path = task.log_path()
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        with open(log_path, 'a' if attempt > 1 else 'w', encoding='utf-8') as log:
            log.write(f"{'' if attempt == 1 else chr(10)}===== attempt {attempt}/{tries} "
                      f"{time.strftime('%Y-%m-%d %H:%M:%S')}: $ {shlex.join(argv)}\n")
            log.flush()
            if self.sequential:
                self._gate.acquire()
            try:
                with self._lock:   # no submission once cancel_all has taken its snapshot
                    if self._stopping:
                        return TaskStatus(task.name, log_path, 130, error='interrupted')
                    job.submit(log, sc.job_env(task.num_gpus))
                    self._jobs[job.name] = job
                progress.start(task)
                if self.sequential:
                    while not self._stopping and not job.started():
                        time.sleep(self.poll_interval)
            finally:
                if self.sequential:
                    self._gate.release()
            try:
                while job.poll() is None:
                    time.sleep(self.poll_interval)
                    progress.poll()
            finally:
                with self._lock:
                    self._jobs.pop(job.name, None)
        return self._judge(task, job, log_path, time.time() - started)

    def _judge(self, task: BaseTask, job: SlurmJob, log_path: str, seconds: float) -> TaskStatus:
        code = job.returncode if job.returncode is not None else -1
        if self._stopping:
            job.state = 'CANCELLED'
            return TaskStatus(task.name, log_path, code or 130, seconds=seconds,
                              error='interrupted')
        if code == 0 and task.is_done():
            job.state = 'COMPLETED'
            return TaskStatus(task.name, log_path, 0, seconds=seconds, extra={'job': job.name})
        if code == 0:  # not a user error (exit 1): the job is resubmitted
            job.state, code = 'FAILED', 2
            error = 'the job ended without writing all its outputs'
        elif code in CANCELLED_CODES:
            job.state = 'CANCELLED'
            error = f'job cancelled or preempted (srun exit {code})'
        else:
            job.state = 'FAILED'
            error = last_error_line(log_path)
        return TaskStatus(task.name, log_path, code, seconds=seconds, error=error,
                          extra={'job': job.name})

    # -- cancellation ------------------------------------------------------------------
    def _cancel_orphans(self) -> None:
        """Cancel jobs of this run left by a driver that was killed (``kill -9``).

        The run lock guarantees no other live ``run.py`` owns this run directory, so a job
        still queued under this run's name prefix would only race the jobs submitted now
        for the same outputs.
        """
        left = sc.list_jobs(self._prefix)
        if left:
            get_logger().warning('cancelling %d Slurm job(s) of this run left by a previous '
                                 'run.py that died', len(left))
            cancel_and_wait(self._prefix, time.time() + 30.0)

    def cancel_all(self, wait: float = 15.0) -> None:
        """Cancel every job of this run (Ctrl-C, SIGTERM) and wait until squeue drops them."""
        with self._lock:
            self._stopping = True
            jobs = list(self._jobs.values())
        prefix = self._prefix
        if prefix:
            sc.cancel_jobs(prefix)
        for job in jobs:
            job.terminate()
        deadline = time.time() + wait
        for job in jobs:
            try:
                if job.proc:
                    job.proc.wait(timeout=max(0.1, min(5.0, deadline - time.time())))
            except subprocess.TimeoutExpired:
                job.kill()
        if prefix:
            cancel_and_wait(prefix, deadline)
        if jobs:
            get_logger().warning('cancelled %d Slurm job(s) of this run', len(jobs))


def cancel_and_wait(prefix: str, deadline: float) -> None:
    """``scancel`` the jobs named ``prefix*`` until squeue drops them (or the deadline)."""
    while time.time() < deadline:
        if not sc.list_jobs(prefix):
            return
        sc.cancel_jobs(prefix)
        time.sleep(0.3)
    if sc.list_jobs(prefix):
        get_logger().warning('some Slurm jobs of this run are still listed by squeue '
                             '(names start with %s)', prefix)


@RUNNERS.register_module()
class SlurmSequentialRunner(SlurmRunner):
    """Like :class:`SlurmRunner`, but at most one job waits in the queue at a time."""

    sequential = True
