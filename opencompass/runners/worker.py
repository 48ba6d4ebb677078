"""Long-lived task processes for ``LocalRunner``: a model is loaded once per worker.

Each runner slot (one thread of ``LocalRunner``) owns at most one worker process
(``python -m opencompass.tasks --worker``, see ``tasks/worker.py``) and feeds it
its tasks one at a time. The worker keeps the last model it loaded, and
:class:`TaskPicker` hands a slot the tasks of the model it already holds first,
so a model split into many parts is loaded once per slot instead of once per part.

Per-task semantics stay those of one process per task: every task has its own
log file and exit status; a worker that dies fails only its current task and
the slot starts a new worker for the next one.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from ..tasks.base import BaseTask
from ..utils.serialize import fingerprint


def model_key(task: BaseTask) -> str:
    """Tasks with the same key can reuse the model a worker loaded."""
    return fingerprint(task.model_cfgs)


class TaskPicker:
    """Hands out task indices, heaviest first, except that a slot gets the tasks of the
    model it holds first, and otherwise prefers a model no other slot holds."""

    def __init__(self, tasks: list[BaseTask], order: Iterable[int]):
        self._keys = [model_key(t) for t in tasks]
        self._pending = list(order)
        self._held: list[str] = []  # the keys slots hold, one entry per slot
        self._lock = threading.Lock()

    def next(self, key: str | None) -> int | None:
        with self._lock:
            if key in self._held:
                self._held.remove(key)
            if not self._pending:
                return None
            pick = next((i for i in self._pending if self._keys[i] == key), None)
            if pick is None:
                pick = next((i for i in self._pending if self._keys[i] not in self._held),
                            self._pending[0])
            self._pending.remove(pick)
            self._held.append(self._keys[pick])
            return pick

    def drain(self, work: Callable[[int], None]) -> None:
        """Run ``work(i)`` on picked tasks until none is left (one runner slot)."""
        key = None
        while (i := self.next(key)) is not None:
            key = self._keys[i]
            work(i)


class Worker:
    """One ``python -m opencompass.tasks --worker`` process."""

    def __init__(self, env: dict[str, str]):
        self.gpus = set(filter(None, env.get('CUDA_VISIBLE_DEVICES', '').split(',')))
        self.env = dict(env)
        self.busy = False
        self.proc = subprocess.Popen(
            [sys.executable, '-m', 'opencompass.tasks', '--worker'], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True,
            start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def run(self, task_file: str, log_path: str, poll: Callable[[], None],
            env: dict[str, str] | None = None) -> int:
        """Send one task; wait for its exit code (the worker's, should the worker die).

        Variables of ``env`` the worker was not started with (e.g. API keys) go along.
        """
        delta = {k: v for k, v in (env or {}).items() if self.env.get(k) != v}
        job = {'task_file': task_file, 'log': log_path, 'env': delta}
        stdin, out = self.proc.stdin, self.proc.stdout
        assert stdin is not None and out is not None  # both are pipes
        try:
            stdin.write(json.dumps(job) + '\n')
            stdin.flush()
        except (BrokenPipeError, OSError):
            return self._died(log_path)
        while True:
            ready, _, _ = select.select([out], [], [], 0.5)
            if not ready:
                poll()
                continue
            line = out.readline()
            if not line:
                return self._died(log_path)
            try:
                reply = json.loads(line)
                code = int(reply['code'])
            except (ValueError, KeyError, TypeError):
                continue
            if reply.get('exiting'):  # it crashed: let it end, the slot starts a new one
                self.close()
            return code

    def _died(self, log_path: str) -> int:
        code = self.proc.wait()
        with open(log_path, 'a', encoding='utf-8') as log:
            log.write(f'\nthe worker process running this task died (exit {code})\n')
        return code or 2  # a crash (retried), never a user error

    def close(self, timeout: float = 5.0) -> None:
        """End the worker: end of input, then SIGKILL of its group if it lingers."""
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=timeout if self.alive() else 1)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, 9)
            except ProcessLookupError:
                pass
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


class WorkerPool:
    """The workers of one ``launch``: one per runner thread, registered for kill-on-stop.

    ``procs``/``lock`` are the runner's table of live child processes, which its
    ``terminate_all`` kills; workers are added there for their whole life.
    """

    def __init__(self, procs: dict[int, subprocess.Popen[Any]], lock: threading.Lock):
        self._procs = procs
        self._lock = lock
        self._workers: dict[int, Worker] = {}

    @staticmethod
    def accepts(task: BaseTask) -> bool:
        return task.num_procs <= 1

    def run(self, task: BaseTask, log_path: str, env: dict[str, str],
            poll: Callable[[], None]) -> int:
        """Run ``task`` (its task file written) in this thread's worker; its exit code."""
        worker = self._checkout(env)
        try:
            code = worker.run(task.task_file(), log_path, poll, env)
        finally:
            worker.busy = False
        if not worker.alive():
            self._drop(threading.get_ident())
        return code

    def _checkout(self, env: dict[str, str]) -> Worker:
        me = threading.get_ident()
        gpus = set(filter(None, env.get('CUDA_VISIBLE_DEVICES', '').split(',')))
        stale: list[Worker] = []
        with self._lock:
            worker = self._workers.get(me)
            if worker is not None and (not worker.alive() or worker.gpus != gpus):
                stale.append(self._workers.pop(me))
                worker = None
            for thread_id, other in list(self._workers.items()):
                if thread_id != me and not other.busy and other.gpus & gpus:
                    # an idle worker of another slot still holds a model on our GPU
                    stale.append(self._workers.pop(thread_id))
            for w in stale:
                self._procs.pop(w.proc.pid, None)
            if worker is None:
                worker = Worker(env)
                self._workers[me] = worker
                self._procs[worker.proc.pid] = worker.proc
            worker.busy = True
        for w in stale:
            w.close()
        return worker

    def _drop(self, thread_id: int) -> None:
        with self._lock:
            worker = self._workers.pop(thread_id, None)
            if worker is not None:
                self._procs.pop(worker.proc.pid, None)
        if worker is not None:
            worker.close()

    def close(self) -> None:
        """End every worker (after the last task of the stage)."""
        for thread_id in list(self._workers):
            self._drop(thread_id)
