"""The first code run inside a sandbox process (see ``sandbox.py``); stdlib only.

Started as ``python -I -S sandbox_boot.py TAG``. Reads a JSON request from stdin
(the code, the limits, the work directory, the uid to become), then: lowers its
resource limits, drops root to an unprivileged uid, moves into the work
directory, disables process creation, sockets and file writes outside the work
directory at the Python level, and runs the code. The outcome goes to a pipe as
one JSON line carrying the request's token, so a program that exits early, or
prints, cannot pass itself off as having finished.

The Python-level guard is defence in depth (a determined program can undo it);
the kernel-level limits, the separate uid and the network namespace set up by
the parent are what protect the machine.
"""
import builtins
import gc
import io
import json
import os
import resource
import signal
import sys
from collections.abc import Callable
from typing import Any, NoReturn

_BLOCKED_MODULES = (
    'subprocess', '_posixsubprocess', 'multiprocessing', '_multiprocessing', 'ctypes', '_ctypes',
    'socket', '_socket', 'ssl', '_ssl', 'select', 'selectors', 'asyncio', 'pty', 'resource',
    'signal', '_signal', 'mmap', 'fcntl', 'termios', 'faulthandler', 'concurrent', 'webbrowser',
    'urllib.request', 'http.client', 'ftplib', 'smtplib', 'telnetlib')
_BLOCKED_OS = (
    'fork', 'forkpty', 'system', 'popen', 'execl', 'execle', 'execlp', 'execlpe', 'execv',
    'execve', 'execvp', 'execvpe', 'spawnl', 'spawnle', 'spawnlp', 'spawnlpe', 'spawnv',
    'spawnve', 'spawnvp', 'spawnvpe', 'posix_spawn', 'posix_spawnp', 'kill', 'killpg',
    'setsid', 'setpgid', 'setpgrp', 'setuid', 'setgid', 'seteuid', 'setegid', 'setreuid',
    'setregid', 'setresuid', 'setresgid', 'remove', 'unlink', 'rmdir', 'removedirs', 'rename',
    'renames', 'replace', 'truncate', 'chmod', 'fchmod', 'lchmod', 'chown', 'fchown', 'lchown',
    'link', 'symlink', 'chdir', 'fchdir', 'chroot', 'mkfifo', 'mknod', 'putenv', 'unsetenv',
    'pidfd_open', 'plock', 'nice', 'setpriority', 'sched_setaffinity')
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _set_limits(limits: dict[str, Any]) -> None:
    """Soft == hard, so the program cannot raise them back."""
    table = {'memory_bytes': resource.RLIMIT_AS, 'cpu_seconds': resource.RLIMIT_CPU,
             'file_bytes': resource.RLIMIT_FSIZE, 'processes': resource.RLIMIT_NPROC,
             'open_files': resource.RLIMIT_NOFILE, 'core_bytes': resource.RLIMIT_CORE}
    for key, which in table.items():
        value = limits.get(key)
        if value is None:
            continue
        if key == 'cpu_seconds':  # SIGXCPU at the soft limit, SIGKILL one second later
            resource.setrlimit(which, (int(value), int(value) + 1))
        else:
            resource.setrlimit(which, (int(value), int(value)))


def _drop_privileges(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


def _denied(name: str) -> Callable[..., NoReturn]:
    def deny(*_args: object, **_kwargs: object) -> NoReturn:
        raise PermissionError(f'{name}() is disabled in the sandbox')
    return deny


def _inside(path: Any, workdir: str) -> bool:
    if isinstance(path, int):
        return True  # an already open descriptor
    real = os.path.realpath(os.fspath(path))
    return real == workdir or str(real).startswith(workdir + os.sep)


def _guard(workdir: str) -> None:
    """Disable process creation, sockets and writes outside ``workdir`` for the program."""
    real_open, real_os_open = builtins.open, os.open

    def safe_open(file: Any, mode: str = 'r', *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in 'wax+') and not _inside(file, workdir):
            raise PermissionError(f'writing {file!r} outside the sandbox directory is disabled')
        return real_open(file, mode, *args, **kwargs)

    def safe_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & _WRITE_FLAGS and not _inside(path, workdir):
            raise PermissionError(f'writing {path!r} outside the sandbox directory is disabled')
        return real_os_open(path, flags, *args, **kwargs)

    class SafeFileIO(io.FileIO):
        def __init__(self, file: Any, mode: str = 'r', *args: Any, **kwargs: Any) -> None:
            if any(c in mode for c in 'wax+') and not _inside(file, workdir):
                raise PermissionError(f'writing {file!r} outside the sandbox directory is disabled')
            super().__init__(file, mode, *args, **kwargs)

    builtins.open = io.open = safe_open
    # typeshed declares io.FileIO a class, not a variable; replacing it is the point here
    io.FileIO = SafeFileIO  # type: ignore[misc]
    os.open = safe_os_open
    posix = sys.modules.get('posix')
    for name in _BLOCKED_OS:
        for module in (os, posix):
            if module is not None and hasattr(module, name):
                setattr(module, name, _denied(name))
    if posix is not None:
        posix.open = safe_os_open  # type: ignore[attr-defined]  # posix is a ModuleType
    for name in _BLOCKED_MODULES:
        sys.modules[name] = None  # type: ignore[assignment]  # `import name` now raises ImportError
    # typeshed types exit/quit as site.Quitter objects; any callable replaces them at run time
    builtins.exit = builtins.quit = _denied('exit')  # type: ignore[assignment]


def _describe(exc: BaseException) -> str:
    name = type(exc).__name__
    try:
        text = str(exc)
    except Exception:  # a hostile __str__
        text = ''
    if isinstance(exc, MemoryError):
        return 'MemoryError (memory limit reached)'
    return f'{name}: {text}'[:300] if text else name


def main() -> None:
    request = json.loads(sys.stdin.buffer.read().decode('utf-8'))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    report_fd = os.dup(request['report_fd'])
    os.close(request['report_fd'])
    os.set_inheritable(report_fd, False)
    token, write, dumps, exit_now = request['token'], os.write, json.dumps, os._exit
    workdir = os.path.realpath(request['workdir'])
    os.chdir(workdir)
    signal.alarm(int(request['limits'].get('wall_seconds', 0)))  # backstop if the parent dies
    if request.get('uid') is not None and os.geteuid() == 0:
        _drop_privileges(int(request['uid']), int(request['gid']))
    _set_limits(request['limits'])
    if request.get('guard', True):
        _guard(workdir)
    code = request['code']
    del request
    namespace = {'__name__': '__main__', '__builtins__': builtins}
    status, reason = 'passed', ''
    try:
        exec(compile(code, 'program.py', 'exec'), namespace)
    except SystemExit as e:
        status, reason = 'failed', f'the program exited early (SystemExit: {e.code!r:.50})'
    except BaseException as e:  # noqa: BLE001 - every failure of the program is a result
        status, reason = 'failed', _describe(e)
    finally:
        namespace.clear()
        gc.collect()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - a closed or replaced stream
            pass
    try:
        write(report_fd, (dumps({'token': token, 'status': status, 'reason': reason}) + '\n')
              .encode('utf-8', 'replace'))
    finally:
        exit_now(0 if status == 'passed' else 1)


if __name__ == '__main__':
    main()
