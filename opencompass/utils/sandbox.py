"""Run untrusted (model-generated) Python code in a confined subprocess.

Every call gets a fresh temporary directory as its working directory and a new
process session. Limits, from the outside in:

* wall-clock ``timeout``: the whole process group is killed (SIGKILL) when it
  expires, and after every run, so stray children never outlive the call;
* kernel resource limits: address space (``memory_mb``), CPU seconds, size of
  written files, number of processes (against fork bombs), open files, no core;
* as root: the code runs as ``nobody`` (it can write only to its own directory
  and world-writable places) inside a fresh network namespace (``unshare
  --net``: no interface but a down loopback). Without root, an unprivileged
  user namespace is tried for the network; failing that, only the Python-level
  socket block below remains (logged once);
* a Python-level guard (``sandbox_boot.py``): fork/exec/kill/remove/chmod and
  friends raise PermissionError, ``socket``/``subprocess``/``ctypes``... cannot
  be imported, files cannot be opened for writing outside the directory;
* stdout/stderr are captured up to ``max_output`` bytes; a run producing more
  is killed.

The outcome of the code comes back on a private pipe with a random token, so an
early ``exit(0)`` or a crafted print never counts as success.
"""
from __future__ import annotations

import json
import math
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .logging import get_logger

BOOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sandbox_boot.py')
NOBODY = 65534
_NETNS_ROOT = ['unshare', '--net', '--']
_NETNS_USER = ['unshare', '--user', '--map-root-user', '--net', '--']


@dataclass
class SandboxLimits:
    """Per-run limits. ``max_processes`` is RLIMIT_NPROC (counted per uid by the kernel)."""

    timeout: float = 10.0
    memory_mb: int = 1024
    max_file_mb: int = 16
    max_processes: int = 16
    max_open_files: int = 64
    max_output: int = 1 << 20


@dataclass
class SandboxResult:
    """``status`` is one of passed, failed, timeout, output_limit, crashed."""

    status: str
    reason: str = ''
    returncode: int | None = None
    stdout: str = ''
    stderr: str = ''
    duration: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status == 'passed'


@lru_cache(maxsize=1)
def isolation() -> dict[str, Any]:
    """What this machine allows: ``{'netns': [...] or None, 'uid': int or None}``."""
    root = os.geteuid() == 0
    netns = None
    if shutil.which('unshare'):
        candidate = _NETNS_ROOT if root else _NETNS_USER
        try:
            probe = subprocess.run([*candidate, sys.executable, '-I', '-S', '-c', 'pass'],
                                   capture_output=True, timeout=20)
            netns = candidate if probe.returncode == 0 else None
        except (OSError, subprocess.SubprocessError):
            netns = None
    uid = NOBODY if root and _nobody_can_run_python() else None
    if netns is None:
        get_logger().warning('sandbox: no network namespace available (needs root or user '
                             'namespaces); generated code is kept off the network only by a '
                             'Python-level socket block')
    if uid is None:
        why = ('the Python installation is not readable by nobody' if root
               else 'not running as root')
        get_logger().warning('sandbox: %s, so generated code runs as the current user; file '
                             'writes outside its directory and process creation are blocked '
                             'at the Python level', why)
    return {'netns': netns, 'uid': uid}


def _nobody_can_run_python() -> bool:
    """Whether uid ``nobody`` can import the standard library (not so under /root/.pyenv)."""
    code = (f'import os; os.setgroups([]); os.setgid({NOBODY}); os.setuid({NOBODY}); '
            'import hashlib, typing, json')
    try:
        probe = subprocess.run([sys.executable, '-I', '-S', '-c', code], capture_output=True,
                               timeout=20, cwd='/')
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


def describe_isolation() -> str:
    iso = isolation()
    parts = ['network namespace' if iso['netns'] else 'Python-level socket block',
             f"uid {iso['uid']}" if iso['uid'] is not None else 'current uid',
             'rlimits', 'process-group kill']
    return ', '.join(parts)


def run_python(code: str, limits: SandboxLimits | None = None, guard: bool = True) -> SandboxResult:
    """Execute ``code`` (a whole program) confined; never raises for the program's faults.

    ``guard=False`` skips the Python-level guard (to test the kernel-level limits alone).
    """
    limits = limits or SandboxLimits()
    iso = isolation()
    workdir = tempfile.mkdtemp(prefix='oc-sandbox-')
    token = secrets.token_hex(16)
    request = {
        'token': token, 'code': code, 'workdir': workdir, 'guard': guard,
        'uid': iso['uid'], 'gid': NOBODY if iso['uid'] is not None else None,
        'limits': {'memory_bytes': int(limits.memory_mb) << 20,
                   'cpu_seconds': max(1, math.ceil(limits.timeout)) + 1,
                   'wall_seconds': max(1, math.ceil(limits.timeout)) + 2,
                   'file_bytes': int(limits.max_file_mb) << 20,
                   'processes': int(limits.max_processes),
                   'open_files': int(limits.max_open_files), 'core_bytes': 0}}
    if iso['uid'] is not None:
        os.chown(workdir, iso['uid'], NOBODY)
    env = {'PATH': '/usr/bin:/bin', 'HOME': workdir, 'TMPDIR': workdir, 'LANG': 'C.UTF-8'}
    cmd = [*(iso['netns'] or []), sys.executable, '-I', '-S', BOOT, workdir]
    start = time.monotonic()
    report_r, report_w = os.pipe()
    request['report_fd'] = report_w
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=workdir, env=env,
                                pass_fds=(report_w,), start_new_session=True)
    except OSError as e:
        os.close(report_r)
        os.close(report_w)
        shutil.rmtree(workdir, ignore_errors=True)
        return SandboxResult('crashed', f'cannot start the sandbox: {e}')
    os.close(report_w)
    try:
        result = _supervise(proc, report_r, json.dumps(request).encode(), token, limits, start)
        result.extra['workdir'] = workdir
        return result
    finally:
        _kill_group(proc)
        os.close(report_r)
        shutil.rmtree(workdir, ignore_errors=True)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream:
            try:
                stream.close()
            except OSError:
                pass


def _supervise(proc: subprocess.Popen[bytes], report_r: int, payload: bytes, token: str,
               limits: SandboxLimits, start: float) -> SandboxResult:
    """Feed the request, collect bounded output and the report, enforce the deadline."""
    deadline = start + limits.timeout
    try:
        assert proc.stdin is not None
        proc.stdin.write(payload)
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass
    buffers = {'stdout': bytearray(), 'stderr': bytearray(), 'report': bytearray()}
    sel = selectors.DefaultSelector()
    assert proc.stdout is not None and proc.stderr is not None
    sel.register(proc.stdout, selectors.EVENT_READ, 'stdout')
    sel.register(proc.stderr, selectors.EVENT_READ, 'stderr')
    sel.register(report_r, selectors.EVENT_READ, 'report')
    verdict = None
    try:
        while sel.get_map() and verdict is None:
            left = deadline - time.monotonic()
            if left <= 0:
                verdict = ('timeout', f'timed out after {limits.timeout:g}s')
                break
            for key, _ in sel.select(timeout=min(left, 0.5)):
                fd = key.fd if isinstance(key.fileobj, int) else key.fileobj.fileno()
                chunk = os.read(fd, 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                buf = buffers[key.data]
                buf.extend(chunk)
                if key.data != 'report' and len(buf) > limits.max_output:
                    verdict = ('output_limit', f'printed more than {limits.max_output} bytes')
                    break
        if verdict is None:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                verdict = ('timeout', f'timed out after {limits.timeout:g}s')
    finally:
        sel.close()
    if verdict is not None:
        _kill_group(proc)
    out = {k: bytes(v[:limits.max_output]).decode('utf-8', 'replace') for k, v in buffers.items()}
    result = SandboxResult('crashed', returncode=proc.returncode, stdout=out['stdout'],
                           stderr=out['stderr'], duration=time.monotonic() - start)
    if verdict is not None:
        result.status, result.reason = verdict
        return result
    report = _parse_report(out['report'], token)
    if report is not None:
        result.status, result.reason = report['status'], report.get('reason', '')
    else:
        result.reason = _crash_reason(proc.returncode, out['stderr'])
    return result


def _parse_report(text: str, token: str) -> dict[str, Any] | None:
    for line in text.splitlines():
        try:
            report = json.loads(line)
        except ValueError:
            continue
        if isinstance(report, dict) and report.get('token') == token and \
                report.get('status') in ('passed', 'failed'):
            return report
    return None


def _crash_reason(returncode: int | None, stderr: str) -> str:
    if returncode is not None and returncode < 0:
        sig = -returncode
        names: dict[int, str] = {signal.SIGXCPU: 'CPU time limit', signal.SIGXFSZ: 'file size limit',
                 signal.SIGKILL: 'killed (memory or process limit?)',
                 signal.SIGALRM: 'wall-clock limit', signal.SIGSEGV: 'segmentation fault'}
        try:
            name = names.get(sig) or signal.Signals(sig).name
        except ValueError:
            name = 'unknown signal'
        return f'killed by signal {sig} ({name})'
    tail = stderr.strip().splitlines()[-1:] if stderr.strip() else []
    detail = f': {tail[0][:200]}' if tail else ''
    return f'the program ended without finishing (exit code {returncode}){detail}'
