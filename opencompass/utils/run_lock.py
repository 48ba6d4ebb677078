"""One writer per run directory: ``RUN_DIR/.lock``.

The lock is an exclusive ``fcntl.flock`` on ``RUN_DIR/.lock``, held for the life
of the driver process; the file records who holds it (pid, host, start time)
so a refused second run can name the other process. The kernel drops a flock
when its holder dies, however it dies (``kill -9`` included), so a lock left
by a dead process is simply taken over. On file systems without flock support
the holder's pid is checked instead (same host only; a lock from another host
must then be removed by hand, and the message says so).
"""
from __future__ import annotations

import errno
import json
import os
import socket
import time
from typing import Any

from ..errors import RunDirError
from .logging import get_logger

LOCK_NAME = '.lock'


class RunLock:
    """``with RunLock(run_dir): ...`` or ``acquire()`` / ``release()``."""

    def __init__(self, run_dir: str):
        self.run_dir = run_dir
        self.path = os.path.join(run_dir, LOCK_NAME)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise RunDirError naming the process that holds it."""
        os.makedirs(self.run_dir, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not self._flock(fd):
                raise RunDirError(self._busy_message(read_holder(self.path)))
        except BaseException:
            os.close(fd)
            raise
        previous = read_holder(self.path)
        if previous and previous.get('pid') != os.getpid():
            get_logger().info('taking over the lock of %s left by a process that is gone '
                              '(pid %s on %s)', self.run_dir, previous.get('pid'),
                              previous.get('host'))
        me = {'pid': os.getpid(), 'host': socket.gethostname(),
              'started': time.strftime('%Y-%m-%d %H:%M:%S'), 'time': time.time()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(me) + '\n').encode(), 0)
        os.fsync(fd)
        self._fd = fd

    def _flock(self, fd: int) -> bool:
        """True when this process now holds the lock."""
        import fcntl
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as e:
            if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            if e.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                raise
        # no flock here (some network file systems): fall back to the recorded pid
        holder = read_holder(self.path)
        return not holder or not holder_alive(holder)

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
        except OSError:
            pass
        os.close(self._fd)  # closing drops the flock
        self._fd = None

    def _busy_message(self, holder: dict[str, Any] | None) -> str:
        who = (f"pid {holder.get('pid')} on {holder.get('host')}, started "
               f"{holder.get('started')}") if holder else 'another process'
        return (f'{self.run_dir} is in use by another run.py ({who}); wait for it to finish '
                f'or stop it, or start a new run without -r (lock file: {self.path})')

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


def read_holder(path: str) -> dict[str, Any] | None:
    """The pid/host/start time recorded in a lock file, if any."""
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read().strip()
        holder = json.loads(text) if text else None
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


def holder_alive(holder: dict[str, Any]) -> bool:
    """Whether the recorded holder still runs (a holder on another host counts as alive)."""
    if holder.get('host') != socket.gethostname():
        return True
    try:
        os.kill(int(holder.get('pid', 0)), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, TypeError):
        return True
    return True
