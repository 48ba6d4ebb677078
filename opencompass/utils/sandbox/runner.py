"""One generated program in its own sandbox, called from the trusted side with plain data.

:class:`Sandbox` starts the confined interpreter (``bwrap.py``; or, only when the
user opted in, an unconfined one), sends it the program, then forwards calls and
reads their return values. Every byte read from the sandbox is counted and capped
(its output, each reply, all replies); everything waits against one deadline; a
sample past any limit raises :class:`SampleFailure`, and :meth:`Sandbox.close`
kills the whole sandbox (its pid namespace dies with bubblewrap).
"""
from __future__ import annotations

import os
import selectors
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
from types import TracebackType
from typing import Any

from . import protocol
from .bwrap import as_nobody, bwrap_command, interpreter
from .limits import SandboxLimits
from .seccomp import filter_fd

BOOT_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'boot.py')
_ENV = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'LANG': 'C.UTF-8'}
_staging_lock = threading.Lock()
STAGING = '/tmp/.oc-sandbox-python'


class SampleFailure(BaseException):
    """The sample failed: ``status`` is failed, timeout, output_limit, reply_limit or crashed.

    A BaseException so that a test's ``except Exception`` cannot swallow it.
    """

    def __init__(self, status: str, reason: str):
        super().__init__(f'{status}: {reason}')
        self.status = status
        self.reason = reason


def boot_source() -> str:
    with open(BOOT_FILE, encoding='utf-8') as f:
        return f.read()


def staging_dir() -> str:
    """Root only: an empty directory uid 65534 can reach; the prefix is bound on it privately.

    One fixed, root-owned ``0755`` directory (it stays empty on the host: every bind onto
    it lives in a private mount namespace), refused if anyone else could have made it.
    """
    path = STAGING
    with _staging_lock:
        try:
            os.mkdir(path, 0o755)
            os.chmod(path, 0o755)
        except FileExistsError:
            pass
        st = os.lstat(path)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0 or st.st_mode & 0o022:
            raise SampleFailure('crashed', f'{path} is not a directory only root can change')
        return path


def sandbox_command(limits: SandboxLimits, confined: bool = True,
                    seccomp_fd: int | None = None) -> list[str]:
    """The command that starts the boot code, confined by bubblewrap or (opted in) not."""
    python, prefix = interpreter()
    if not confined:
        return [python, '-I', '-S', '-B', '-c', boot_source()]
    if os.geteuid() == 0:
        staging = staging_dir()
        return as_nobody(prefix, staging, [*bwrap_command(python, prefix, limits.tmp_mb, staging,
                                                          seccomp_fd=seccomp_fd), boot_source()])
    return [*bwrap_command(python, prefix, limits.tmp_mb, seccomp_fd=seccomp_fd), boot_source()]


class Sandbox:
    """A started program whose ``entry`` function the trusted side calls (see module doc)."""

    def __init__(self, program: str, entry: str, limits: SandboxLimits | None = None,
                 confined: bool = True):
        self.limits = limits or SandboxLimits()
        self.program, self.entry, self.confined = program, entry, confined
        self.deadline = 0.0
        self.calls = 0
        self._output = bytearray()
        self._output_seen = 0
        self._reply = bytearray()
        self._replies_seen = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._cwd: str | None = None
        self._sel: selectors.BaseSelector | None = None

    # -- life cycle ---------------------------------------------------------------------
    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def start(self) -> None:
        """Start the sandbox and load the program; :class:`SampleFailure` if it does not load."""
        self.deadline = time.monotonic() + self.limits.timeout
        cwd = None
        if not self.confined:
            cwd = self._cwd = tempfile.mkdtemp(prefix='oc-unsafe-')
        seccomp_fd = filter_fd() if self.confined else None
        try:
            self._proc = subprocess.Popen(
                sandbox_command(self.limits, self.confined, seccomp_fd), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(_ENV), cwd=cwd,
                close_fds=True, pass_fds=() if seccomp_fd is None else (seccomp_fd,),
                start_new_session=True)
        except OSError as e:
            raise SampleFailure('crashed', f'cannot start the sandbox: {e}') from None
        finally:
            if seccomp_fd is not None:
                os.close(seccomp_fd)
        assert self._proc.stdin and self._proc.stdout and self._proc.stderr
        for stream in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
            os.set_blocking(stream.fileno(), False)
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._proc.stdout.fileno(), selectors.EVENT_READ, 'reply')
        self._sel.register(self._proc.stderr.fileno(), selectors.EVENT_READ, 'output')
        self._send({'limits': self.limits.rlimits(), 'program': self.program,
                    'entry': self.entry})
        answer = self._receive()
        if answer.get('ready') is not True:
            error = answer.get('error')
            raise SampleFailure('failed', str(error)[:300] if error else 'the program did not load')

    def call(self, *args: Any, **kwargs: Any) -> Any:
        """The function's return value for these arguments, decoded as plain data."""
        self.calls += 1
        if self.calls > self.limits.max_calls:
            raise SampleFailure('failed', f'more than {self.limits.max_calls} calls')
        try:
            request = {'args': protocol.encode(list(args)), 'kwargs': protocol.encode(kwargs)}
        except protocol.ProtocolError as e:
            raise SampleFailure('failed', str(e)) from None
        self._send(request)
        answer = self._receive()
        if 'raised' in answer and len(answer) == 1:
            raise SampleFailure('failed', str(answer['raised'])[:300])
        if 'value' not in answer or len(answer) != 1:
            raise SampleFailure('failed', 'malformed reply from the sandbox')
        try:
            return protocol.decode(answer['value'])
        except protocol.ProtocolError as e:
            raise SampleFailure('failed', f'the return value is not plain data: {e}') from None

    @property
    def output(self) -> str:
        """What the program printed (stdout and stderr), at most ``max_output`` bytes."""
        return bytes(self._output).decode('utf-8', 'replace')

    def close(self) -> None:
        """Kill the sandbox (with it, every process of the sample) and release everything."""
        proc, self._proc = self._proc, None
        if self._sel is not None:
            self._sel.close()
            self._sel = None
        if proc is not None:
            try:  # bwrap (confined: the pid namespace dies with it), else the process group
                os.killpg(proc.pid, signal.SIGKILL) if not self.confined else proc.kill()
            except OSError:
                pass
            proc.wait()
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    try:
                        stream.close()
                    except OSError:
                        pass
        if self._cwd:
            shutil.rmtree(self._cwd, ignore_errors=True)
            self._cwd = None

    # -- bounded I/O --------------------------------------------------------------------
    def _left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise SampleFailure('timeout', f'timed out after {self.limits.timeout:g}s')
        return left

    def _send(self, message: dict[str, Any]) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        data = memoryview(protocol.dump_line(message))
        fd = self._proc.stdin.fileno()
        while data:
            self._pump(write_fd=fd)
            try:
                data = data[os.write(fd, data):]
            except BlockingIOError:
                continue
            except (BrokenPipeError, OSError):
                raise SampleFailure('crashed', self._crash_reason()) from None

    def _receive(self) -> dict[str, Any]:
        while True:
            end = self._reply.find(b'\n')
            if end >= 0:
                line = bytes(self._reply[:end])
                del self._reply[:end + 1]
                try:
                    return protocol.parse_line(line)
                except protocol.ProtocolError as e:
                    raise SampleFailure('failed', str(e)) from None
            if len(self._reply) > self.limits.max_reply:
                raise SampleFailure('reply_limit', f'a reply is longer than {self.limits.max_reply}'
                                    ' bytes')
            if not self._pump():
                raise SampleFailure('crashed', self._crash_reason())

    def _pump(self, write_fd: int | None = None) -> bool:
        """Wait for data (or, with ``write_fd``, for room to write); False once replies end."""
        assert self._sel is not None
        if write_fd is not None:
            self._sel.register(write_fd, selectors.EVENT_WRITE, 'request')
        try:
            events = self._sel.select(timeout=min(self._left(), 1.0))
        finally:
            if write_fd is not None:
                self._sel.unregister(write_fd)
        for key, _ in events:
            if key.data == 'request':
                continue
            chunk = os.read(key.fd, 65536)
            if key.data == 'output':
                self._take_output(chunk, key.fd)
            elif not chunk:
                return False
            else:
                self._replies_seen += len(chunk)
                if self._replies_seen > self.limits.max_replies:
                    raise SampleFailure('reply_limit', 'the replies exceed '
                                        f'{self.limits.max_replies} bytes')
                self._reply.extend(chunk)
        self._left()
        return True

    def _take_output(self, chunk: bytes, fd: int) -> None:
        if not chunk:
            assert self._sel is not None
            self._sel.unregister(fd)
            return
        self._output_seen += len(chunk)
        room = self.limits.max_output - len(self._output)
        self._output.extend(chunk[:max(0, room)])
        if self._output_seen > self.limits.max_output:
            raise SampleFailure('output_limit', f'printed more than {self.limits.max_output} bytes')

    def _crash_reason(self) -> str:
        proc = self._proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(timeout=min(2.0, max(0.1, self.deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                code = None
        tail = self.output.strip().splitlines()[-1:]
        detail = f': {tail[0][:200]}' if tail else ''
        return f'the program ended without answering (exit code {code}){detail}'
