"""Slurm jobs as objects with states, and one watcher that updates them all.

A :class:`SlurmJob` is one ``srun`` process and the Slurm job behind it. ``srun``'s exit
status is the primary signal (the runner thread waits on it, so a job's end is seen at
once); :class:`JobWatcher` adds what srun cannot say, with ONE ``squeue -t all`` call per
tick for every job of the run (submitit's watcher is the model): the job id, whether it
runs yet (``SlurmSequentialRunner``), why it ended (``TIMEOUT``, ``NODE_FAIL``,
``PREEMPTED``, ``CANCELLED``...) and jobs that are lost (no longer listed, or ended while
their ``srun`` hangs on), whose ``srun`` it then stops so the parts are resubmitted.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from typing import IO, Any

from . import slurm_cmd as sc

# srun's exit status when its job was cancelled (scancel, preemption) or killed
CANCELLED_CODES = {143, 137, -signal.SIGTERM, -signal.SIGKILL}
# job states after which the parts that did not finish are resubmitted (and resume)
RESUBMIT_STATES = frozenset({'CANCELLED', 'PREEMPTED', 'TIMEOUT', 'NODE_FAIL', 'BOOT_FAIL',
                             'LOST'})
ACTIVE_STATES = frozenset({'RUNNING', 'COMPLETING', 'COMPLETED', 'SUSPENDED', 'STOPPED',
                           'SIGNALING', 'STAGE_OUT'})


class SlurmJob:
    """One attempt of one task or group of parts: an ``srun`` process and its Slurm job.

    ``state`` is ``NEW`` -> ``SUBMITTED`` -> the squeue state (``PENDING``, ``RUNNING``,
    ...) -> a final one (``COMPLETED``, ``FAILED``, ``CANCELLED``, ``TIMEOUT``,
    ``NODE_FAIL``, ``PREEMPTED``, or ``LOST`` when the watcher gave up on it).
    """

    def __init__(self, name: str, argv: list[str], attempt: int = 1):
        self.name, self.argv, self.attempt = name, argv, attempt
        self.proc: subprocess.Popen[bytes] | None = None
        self.state = 'NEW'
        self.reason = ''
        self.job_id: int | None = None
        self.returncode: int | None = None
        self.lost = ''              # why the watcher stopped this job's srun
        self.submitted = 0.0
        self._absent = 0
        self._final_since: float | None = None

    def submit(self, log: IO[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.state, self.submitted = 'SUBMITTED', time.time()

    def poll(self) -> int | None:
        code = self.proc.poll() if self.proc else None
        if code is not None:
            self.returncode = code
        return code

    def wait(self, timeout: float) -> int | None:
        """srun's exit status, waiting at most ``timeout`` s (``None``: still running)."""
        if self.proc is None:
            return None
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.returncode

    def started(self) -> bool:
        """True once Slurm runs the job (or srun already exited)."""
        return self.poll() is not None or self.state in ACTIVE_STATES

    def signal(self, sig: int) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        """Stop srun (it cancels the job step); used after ``scancel`` on interrupt."""
        self.signal(signal.SIGTERM)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)

    # -- what the watcher saw ------------------------------------------------------------
    def observe(self, rows: list[sc.JobRow], claimed: set[int], lost_ticks: int,
                hung_after: float) -> None:
        """Update from one squeue snapshot of the run's jobs (only those named like us)."""
        if self.job_id is None:  # ours: the newest live job of our name not owned by another
            fresh = [r for r in rows if r.job_id not in claimed and r.state not in sc.FINAL_STATES]
            if not fresh:
                return
            row: sc.JobRow | None = max(fresh, key=lambda r: r.job_id)
            assert row is not None
            self.job_id = row.job_id
            claimed.add(row.job_id)
        else:
            row = next((r for r in rows if r.job_id == self.job_id), None)
        if self.poll() is not None:
            if row is not None:
                self.state, self.reason = row.state, row.reason
            return
        if row is None:
            self._absent += 1
            if self._absent >= lost_ticks:
                self._give_up(f'job {self.job_id} is no longer listed by squeue')
            return
        self._absent = 0
        self.state, self.reason = row.state, row.reason
        if row.state in sc.FINAL_STATES:
            now = time.time()
            self._final_since = self._final_since or now
            if now - self._final_since > hung_after:
                self._give_up(f'job {self.job_id} ended ({row.state}) but srun did not')

    def _give_up(self, why: str) -> None:
        self.lost = why
        self.state = 'LOST'
        self.terminate()

    def final_state(self, complete: bool = True) -> str:
        """How the job ended (after srun exited): Slurm's word, else srun's exit status.

        ``complete``: the job did all its work. srun's exit 0 is trusted only then: when
        Slurm kills a job because its node failed, srun 22.05 still exits 0
        (``srun: error: Node failure on NODE``), and only Slurm says ``NODE_FAIL``.
        """
        code = self.returncode
        if self.lost:
            return 'LOST'
        if code == 0 and complete:
            return 'COMPLETED'
        if self.job_id is not None:   # one scontrol call, only for a job that failed
            state = sc.settled_job_state(self.job_id)
            if state in sc.FINAL_STATES:
                return state
            if self.state in sc.FINAL_STATES:
                return self.state
        if code == 0:
            return 'COMPLETED'
        return 'CANCELLED' if code in CANCELLED_CODES else 'FAILED'

    def record(self, **extra: Any) -> dict[str, Any]:
        return {'job': self.name, 'job_id': self.job_id, 'state': self.state,
                'srun_exit': self.returncode, 'attempt': self.attempt, **extra}


def job_failure(job: SlurmJob) -> tuple[int, str] | None:
    """``(exit code, error)`` of a job that Slurm ended (cancelled, preempted, timed out,
    lost its node) or the watcher gave up on: always resubmitted (never a user error)."""
    code = job.returncode if job.returncode is not None else -1
    state = job.state
    if state not in RESUBMIT_STATES and code not in CANCELLED_CODES:
        return None
    retry_code = code if code not in (0, 1, -1) else 143
    if state == 'LOST':
        return retry_code, f'job lost: {job.lost} (srun exit {code})'
    if state == 'TIMEOUT':
        return retry_code, f'job hit its time limit (TIMEOUT, srun exit {code})'
    if state in ('NODE_FAIL', 'BOOT_FAIL'):
        return retry_code, f'job lost its node ({state}, srun exit {code})'
    return retry_code, f'job cancelled or preempted (srun exit {code}, state {state})'


class JobWatcher:
    """Tracks every live job of one run with one ``squeue`` call per tick (a thread)."""

    def __init__(self, prefix: str, interval: float = 1.0, lost_ticks: int = 3,
                 hung_after: float = 30.0):
        self.prefix = prefix
        self.interval = max(0.05, float(interval))
        self.lost_ticks, self.hung_after = lost_ticks, hung_after
        self.calls = 0                      # squeue calls made (one per tick with jobs)
        self._jobs: dict[int, SlurmJob] = {}
        self._claimed: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name='slurm-watcher', daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def add(self, job: SlurmJob) -> None:
        with self._lock:
            self._jobs[id(job)] = job

    def remove(self, job: SlurmJob) -> None:
        with self._lock:
            self._jobs.pop(id(job), None)

    def tick(self) -> None:
        """One squeue call; every tracked job updates itself from the snapshot."""
        with self._lock:
            jobs = list(self._jobs.values())
        if not jobs:
            return
        rows = sc.query_jobs(self.prefix)
        self.calls += 1
        if rows is None:  # squeue did not answer: nothing learnt (never "all jobs lost")
            return
        by_name: dict[str, list[sc.JobRow]] = {}
        for row in rows:
            by_name.setdefault(row.name, []).append(row)
        with self._lock:
            for job in jobs:
                job.observe(by_name.get(job.name, []), self._claimed, self.lost_ticks,
                            self.hung_after)

    def wait_started(self, job: SlurmJob, stopping: Any) -> None:
        """Block until ``job`` runs (or ended, or ``stopping()``): sequential submission."""
        while not stopping() and not job.started():
            job.wait(min(0.2, self.interval))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - a watcher hiccup must not end the run
                from ..utils.logging import get_logger
                get_logger().debug('slurm watcher tick failed', exc_info=True)
