"""``SlurmRunner``: tasks as Slurm jobs run through ``srun``; parts of one model share a job
(the model loaded once); one ``squeue`` per tick for all jobs; retries; clean cancel.

``SlurmSequentialRunner`` is the same, but keeps at most one job waiting in the queue: the
next job is submitted only once the previous one has started (for busy clusters).
"""
from __future__ import annotations

import concurrent.futures as cf
import json
import os
import shlex
import subprocess
import threading
import time
from collections.abc import Callable
from typing import IO, Any

from ..errors import ConfigError
from ..registry import RUNNERS
from ..tasks.base import BaseTask
from ..utils.logging import get_logger
from . import slurm_cmd as sc
from .base import BaseRunner, TaskStatus
from .common import last_error_line, task_weight
from .progress import TaskProgress
from .slurm_batch import BatchFiles, plan_groups
from .slurm_watch import CANCELLED_CODES, JobWatcher, SlurmJob, job_failure

__all__ = ['CANCELLED_CODES', 'SlurmJob', 'SlurmRunner', 'SlurmSequentialRunner']


@RUNNERS.register_module()
class SlurmRunner(BaseRunner):
    """Runs tasks as ``srun`` jobs, at most ``max_num_workers`` jobs at once.

    Options (config ``runner=dict(type=SlurmRunner, ...)``; ``-p``/``-q``/``--qos`` override):
    ``partition``, ``quotatype`` (reserved|auto|spot; used only when srun supports it),
    ``qos``, ``extra_command`` (extra srun options, list or string), ``retry`` (default 2:
    resubmissions of a failed, cancelled or incomplete task), ``tasks_per_job`` (parts of
    one model run in one job, the model loaded once; default: as many jobs as can run at
    once, ``max_num_workers`` or fewer when the partition holds fewer; 1: a job per task),
    ``poll_interval`` (seconds between the run's ``squeue`` calls). Every attempt appends to the task's
    ``logs/STAGE/MODEL/DATASET.out`` after an ``===== attempt N/M`` header.
    """

    sequential = False

    def __init__(self, partition: str | None = None, quotatype: str | None = None,
                 qos: str | None = None, extra_command: str | list[str] | None = None,
                 retry: int = 2, poll_interval: float = 1.0, srun: str = 'srun',
                 tasks_per_job: int | None = None, **kwargs: Any):
        super().__init__(retry=retry, **kwargs)
        if quotatype is not None and quotatype not in sc.QUOTATYPES:
            raise ConfigError(f"runner.quotatype: '{quotatype}' is not one of "
                              f"{', '.join(sc.QUOTATYPES)}")
        if tasks_per_job is not None and (not isinstance(tasks_per_job, int) or tasks_per_job < 1):
            raise ConfigError(f'runner.tasks_per_job: a positive integer or None, '
                              f'got {tasks_per_job!r}')
        self.opts = sc.SrunOptions(partition or None, quotatype or None, qos or None,
                                   sc.normalize_extra(extra_command))
        self.srun = srun
        self.poll_interval = float(poll_interval)
        self.tasks_per_job = tasks_per_job
        self._jobs: dict[str, SlurmJob] = {}
        self._lock = threading.Lock()
        self._gate = threading.Lock()        # sequential mode: one job pending at a time
        self._prefix = ''
        self._watcher: JobWatcher | None = None

    # -- the command line --------------------------------------------------------------
    @staticmethod
    def job_name(task: BaseTask) -> str:
        return sc.job_name(task.work_dir, task.stage, task.slug)

    @staticmethod
    def group_job_name(tasks: list[BaseTask]) -> str:
        return sc.job_name(tasks[0].work_dir, tasks[0].stage, f'{tasks[0].slug}-x{len(tasks)}')

    def srun_argv(self, task: BaseTask) -> list[str]:
        return sc.srun_argv(self.opts, self.job_name(task), task.num_gpus, task.command(),
                            sc.quotatype_supported(self.srun), srun=self.srun)

    def group_argv(self, tasks: list[BaseTask], name: str, list_file: str) -> list[str]:
        return sc.srun_argv(self.opts, name, tasks[0].num_gpus, sc.batch_command(list_file),
                            sc.quotatype_supported(self.srun), srun=self.srun)

    def describe(self, task: BaseTask) -> str:
        """The exact ``srun`` line of ``task`` (``--dry-run``)."""
        sc.say_quotatype_once(self.opts, sc.quotatype_supported(self.srun), self.srun)
        return shlex.join(self.srun_argv(task))

    def describe_all(self, tasks: list[BaseTask]) -> list[str]:
        """``--dry-run``: each task's srun line, or the line of the job it shares."""
        out = [''] * len(tasks)
        for group in self.groups(tasks, sinfo_timeout=2.0):   # no cluster: no long wait
            if len(group) == 1:
                out[group[0]] = self.describe(tasks[group[0]])
                continue
            members = [tasks[i] for i in group]
            name = self.group_job_name(members)
            line = shlex.join(self.group_argv(members, name,
                                              BatchFiles(members[0].work_dir, members[0].stage,
                                                         name, 1).list_file))
            for k, i in enumerate(group, 1):
                out[i] = f'{line}   # part {k}/{len(group)} of this job'
        return out

    def groups(self, tasks: list[BaseTask], sinfo_timeout: float = 20.0) -> list[list[int]]:
        """Tasks grouped into jobs (see :func:`plan_groups`); by default no more jobs than the
        partition can run at once (one ``sinfo`` call; no cap when it does not answer)."""
        weights = [task_weight(t) for t in tasks]
        order = sorted(range(len(tasks)), key=lambda i: -weights[i])
        slots = None
        if self.tasks_per_job is None and len(tasks) > 1:
            slots = sc.partition_slots(self.opts.partition, sc.cpus_per_job(self.opts.extra),
                                       max(t.num_gpus for t in tasks), sinfo_timeout)
        return plan_groups(tasks, order, self.tasks_per_job, self.max_num_workers, weights,
                           slots)

    # -- running -----------------------------------------------------------------------
    def launch_all(self, tasks: list[BaseTask]) -> list[TaskStatus]:
        sc.preflight(self.opts.partition, self.srun)
        supported = sc.quotatype_supported(self.srun)
        sc.say_quotatype_once(self.opts, supported, self.srun)
        self._prefix = sc.run_prefix(tasks[0].work_dir)
        self._cancel_orphans()
        progress = TaskProgress(tasks)
        groups = self.groups(tasks)
        results: list[TaskStatus | None] = [None] * len(tasks)
        watcher = self._watcher = JobWatcher(self._prefix, self.poll_interval)
        watcher.start()

        def work(group: list[int]) -> None:
            if len(group) == 1:
                i = group[0]
                results[i] = self.run_with_retry(
                    tasks[i], progress, lambda n, tries: self._run_once(tasks[i], progress, n, tries))
                return
            for i, status in zip(group, self._run_group([tasks[i] for i in group], progress)):
                results[i] = status

        ex = cf.ThreadPoolExecutor(max_workers=min(self.max_num_workers, len(groups)))
        try:
            futures = {ex.submit(work, g) for g in groups}
            while futures:   # short waits: Ctrl-C (KeyboardInterrupt) lands in this thread
                done, futures = cf.wait(futures, timeout=0.5, return_when=cf.FIRST_COMPLETED)
                for f in done:
                    f.result()
        except BaseException:   # Ctrl-C, SIGTERM (as KeyboardInterrupt) or a bug: no orphans
            self.cancel_all()
            raise
        finally:
            ex.shutdown(wait=True, cancel_futures=True)
            watcher.stop()
            progress.close()
        return [r for r in results if r is not None]

    def _submit_and_wait(self, job: SlurmJob, log: IO[str], env: dict[str, str],
                         progress: TaskProgress, on_tick: Callable[[], None],
                         complete: Callable[[], bool]) -> bool:
        """Submit ``job`` and wait for its srun; False when the run was being cancelled.

        ``complete()`` says, once srun has exited, whether the job did all its work (if not,
        Slurm is asked how the job ended, whatever srun's exit status)."""
        watcher = self._watcher
        assert watcher is not None
        if self.sequential:
            self._gate.acquire()
        try:
            with self._lock:   # no submission once cancel_all has taken its snapshot
                if self._stopping:
                    return False
                job.submit(log, env)
                self._jobs[job.name] = job
            watcher.add(job)
            on_tick()
            if self.sequential:
                watcher.wait_started(job, lambda: self._stopping)
        finally:
            if self.sequential:
                self._gate.release()
        try:
            while job.wait(0.5) is None:   # srun's exit is seen at once
                progress.poll()
                on_tick()
        finally:
            with self._lock:
                self._jobs.pop(job.name, None)
            watcher.remove(job)
        job.state = 'CANCELLED' if self._stopping else job.final_state(complete())
        return True

    def _journal(self, job: SlurmJob, tasks: list[BaseTask], started: float) -> dict[str, Any]:
        """Append the job's final state to ``status/slurm_jobs.jsonl`` (the run's records)."""
        rec = job.record(parts=[t.slug for t in tasks], seconds=round(time.time() - started, 3))
        path = os.path.join(tasks[0].work_dir, 'status', 'slurm_jobs.jsonl')
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'a', encoding='utf-8') as f:
                f.write(json.dumps(rec) + '\n')
        except OSError:
            pass
        return {'job': job.name, 'job_id': job.job_id, 'job_state': job.state}

    def _run_once(self, task: BaseTask, progress: TaskProgress, attempt: int,
                  tries: int) -> TaskStatus:
        """One attempt of a task that has a job of its own."""
        started = time.time()
        task.write_task_file()
        argv = self.srun_argv(task)
        job = SlurmJob(self.job_name(task), argv, attempt)
        log_path = task.log_path()
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        with open(log_path, 'a' if attempt > 1 else 'w', encoding='utf-8') as log:
            log.write(f"{'' if attempt == 1 else chr(10)}===== attempt {attempt}/{tries} "
                      f"{time.strftime('%Y-%m-%d %H:%M:%S')}: $ {shlex.join(argv)}\n")
            log.flush()
            progress.start(task)
            if not self._submit_and_wait(job, log, sc.job_env(task.num_gpus), progress,
                                         lambda: None, task.is_done):
                return TaskStatus(task.name, log_path, 130, error='interrupted')
        extra = self._journal(job, [task], started)
        status = self._judge(task, job, log_path)
        status.seconds, status.extra = time.time() - started, extra
        return status

    def _judge(self, task: BaseTask, job: SlurmJob, log_path: str) -> TaskStatus:
        code = job.returncode if job.returncode is not None else -1
        if self._stopping:
            return TaskStatus(task.name, log_path, code or 130, error='interrupted')
        if code == 0 and task.is_done():
            return TaskStatus(task.name, log_path, 0)
        lost = job_failure(job)
        if lost is not None:
            return TaskStatus(task.name, log_path, lost[0], error=lost[1])
        if code == 0:  # not a user error (exit 1): the job is resubmitted
            return TaskStatus(task.name, log_path, 2,
                              error='the job ended without writing all its outputs')
        return TaskStatus(task.name, log_path, code, error=last_error_line(log_path))

    # -- several parts of one model in one job -----------------------------------------
    def _run_group(self, tasks: list[BaseTask], progress: TaskProgress) -> list[TaskStatus]:
        """Run ``tasks`` (parts of one model) in shared jobs until each part is settled.

        Each part has its own attempt count, log and status; a job that ends early
        (cancelled, preempted, timed out, lost its node) is followed by one running only
        the parts it had not finished, which resume from their journals.
        """
        tries = self.retry + 1
        tries_done = {t.task_file(): 0 for t in tasks}
        final: dict[str, TaskStatus] = {}
        pending = list(tasks)
        rnd = 0
        while pending:
            rnd += 1
            name = self.group_job_name(pending)
            files = BatchFiles(pending[0].work_dir, pending[0].stage, name, rnd)
            argv = self.group_argv(pending, name, files.list_file)
            parts = []
            for t in pending:
                t.write_task_file()
                log_path = t.log_path()
                os.makedirs(os.path.dirname(log_path), exist_ok=True)
                n = tries_done[t.task_file()] + 1
                if n == 1:
                    open(log_path, 'w').close()
                parts.append({'task_file': t.task_file(), 'log': log_path,
                              'header': f"{'' if n == 1 else chr(10)}===== attempt {n}/{tries} "
                                        f"{time.strftime('%Y-%m-%d %H:%M:%S')}: $ "
                                        f"{shlex.join(argv)}\n"})
            files.write(parts)
            job = SlurmJob(name, argv, rnd)
            watch = _GroupRound(self, files, pending, tries_done, final, tries, progress)
            job_log = os.path.join(pending[0].work_dir, 'logs', pending[0].stage, 'jobs',
                                   f'{name}.out')
            os.makedirs(os.path.dirname(job_log), exist_ok=True)
            with open(job_log, 'a', encoding='utf-8') as log:
                log.write(f'===== job {rnd} {time.strftime("%Y-%m-%d %H:%M:%S")}: '
                          f'$ {shlex.join(argv)}\n')
                log.flush()
                ok = self._submit_and_wait(job, log, sc.job_env(pending[0].num_gpus), progress,
                                           watch.tick, watch.all_ended)
            extra: dict[str, Any] = {}
            if ok:   # the job ran (not refused because the run is being cancelled)
                watch.tick()
                extra = self._journal(job, pending, watch.started_at)
            for t in pending:
                f = t.task_file()
                if f in final:
                    continue
                if self._stopping:
                    status = TaskStatus(t.name, t.log_path(), 130, error='interrupted')
                    watch.settle(t, status, count=f not in watch.ended)
                elif f in watch.ended or (f not in watch.started and watch.started):
                    continue   # to retry, or never ran: resubmitted without using an attempt
                else:
                    watch.settle(t, self._part_cut_short(t, job, f in watch.started))
            for st in final.values():
                st.extra = st.extra or extra
            pending = [t for t in pending if t.task_file() not in final]
        return [final[t.task_file()] for t in tasks]

    def _judge_part(self, task: BaseTask, code: int) -> TaskStatus:
        log_path = task.log_path()
        if code == 0 and task.is_done():
            return TaskStatus(task.name, log_path, 0)
        if code == 0:
            return TaskStatus(task.name, log_path, 2,
                              error='the part ended without writing all its outputs')
        return TaskStatus(task.name, log_path, code, error=last_error_line(log_path))

    def _part_cut_short(self, task: BaseTask, job: SlurmJob, started: bool) -> TaskStatus:
        """A part whose job ended before it did (or before any part started)."""
        failure = job_failure(job)
        code, error = failure if failure is not None else (
            2, f'the Slurm job ended (state {job.state}, srun exit {job.returncode}) before '
               f'this part {"finished" if started else "started"}')
        log_path = task.log_path()
        with open(log_path, 'a', encoding='utf-8') as log:
            log.write(f'\n{error}\n')
        return TaskStatus(task.name, log_path, code, error=error)

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
            sc.cancel_and_wait(self._prefix, time.time() + 30.0)

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
            sc.cancel_and_wait(prefix, deadline)
        if jobs:
            get_logger().warning('cancelled %d Slurm job(s) of this run', len(jobs))


class _GroupRound:
    """One job of a group: follows its results file, settling each part as it ends."""

    def __init__(self, runner: SlurmRunner, files: BatchFiles, pending: list[BaseTask],
                 tries_done: dict[str, int], final: dict[str, TaskStatus], tries: int,
                 progress: TaskProgress):
        self.runner, self.files, self.progress = runner, files, progress
        self.by_file = {t.task_file(): t for t in pending}
        self.tries_done, self.final, self.tries = tries_done, final, tries
        self.started: set[str] = set()
        self.ended: set[str] = set()
        self.started_at = time.time()

    def tick(self) -> None:
        started, codes = self.files.read()
        for f in sorted(started - self.started):
            self.progress.start(self.by_file[f])
        self.started |= started
        for f, code in codes.items():
            if f not in self.ended:
                self.ended.add(f)
                self.settle(self.by_file[f], self.runner._judge_part(self.by_file[f], code))

    def all_ended(self) -> bool:
        """Whether every part of this job has ended (read from the results file now)."""
        self.tick()
        return set(self.by_file) <= self.ended

    def settle(self, task: BaseTask, status: TaskStatus, count: bool = True) -> None:
        f = task.task_file()
        if count:
            self.tries_done[f] += 1
        status.seconds = time.time() - self.started_at
        if self.runner.settle(task, status, max(1, self.tries_done[f]), self.tries,
                              self.progress):
            self.final[f] = status


@RUNNERS.register_module()
class SlurmSequentialRunner(SlurmRunner):
    """Like :class:`SlurmRunner`, but at most one job waits in the queue at a time."""

    sequential = True
