"""The bubblewrap command line that confines one generated program.

Every sample gets new user, pid, mount, network, IPC, UTS and cgroup namespaces
(``--unshare-all``), uid/gid 65534 inside, no capabilities, no nested user
namespaces, a cleared environment, its own ``/proc``, a minimal read-only ``/dev``,
a private size-limited ``/tmp`` and read-only views of ``/usr`` (with the usual
merged-``/usr`` links) and of the interpreter's prefix only, with that prefix's
installed packages hidden. ``--die-with-parent`` and the pid namespace end every
process of the sample when bubblewrap ends; a seccomp filter (``seccomp.py``) refuses
system calls no sample needs.

When the evaluator is root, bubblewrap itself is started as uid 65534 (so the
kernel counts the sample's processes against ``RLIMIT_NPROC``, which it never
does for root): a private mount namespace first binds the interpreter's prefix
(it may live under a 0700 ``/root``) onto a staging directory that uid 65534 can
reach, then ``setpriv`` drops root for good and runs bubblewrap.
"""
from __future__ import annotations

import glob
import os
import sys
import sysconfig

NOBODY = 65534
_LINKED_TOP = ('/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32')
# root only: bind the prefix where uid 65534 can reach it, then drop root and run bwrap
_AS_NOBODY = ('mount --bind "$1" "$2" && mount -o remount,bind,ro "$2" && shift 2 && '
              f'exec setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups '
              '--inh-caps=-all --bounding-set=-all -- "$@"')


def interpreter() -> tuple[str, str]:
    """``(executable, installation prefix)`` of the Python running the evaluator.

    The executable is the base installation's own (a virtual environment's may be a copy
    outside the prefix; its packages are not wanted in the sandbox anyway).
    """
    prefix = os.path.realpath(sys.base_prefix)
    version = f'python{sys.version_info.major}.{sys.version_info.minor}'
    for candidate in (os.path.join(prefix, 'bin', version), os.path.join(prefix, 'bin', 'python3')):
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.realpath(candidate), prefix
    return os.path.realpath(sys.executable), prefix


def hidden_package_dirs(prefix: str) -> list[str]:
    """Installed-package directories under ``prefix`` that the sample must not see."""
    purelib = sysconfig.get_paths(vars={'base': prefix, 'platbase': prefix})
    found = {os.path.realpath(purelib[k]) for k in ('purelib', 'platlib')}
    found = {p for p in found if p.startswith(prefix + os.sep)}
    found.update(os.path.realpath(p) for p in glob.glob('/usr/lib/python3*/dist-packages'))
    found.update(os.path.realpath(p) for p in glob.glob('/usr/local/lib/python3*/*-packages'))
    return sorted(p for p in found if os.path.isdir(p) and not os.path.islink(p))


def bwrap_command(python: str, prefix: str, tmp_mb: int, source: str | None = None,
                  top: tuple[str, ...] = _LINKED_TOP, hide: list[str] | None = None,
                  seccomp_fd: int | None = None) -> list[str]:
    """``bwrap ... python -I -S -B -c BOOT``; the prefix is bound from ``source`` (default itself).

    ``seccomp_fd``: an open file holding the BPF filter of ``seccomp.py``.
    """
    cmd = ['bwrap', '--unshare-all', '--unshare-user', '--disable-userns',
           '--assert-userns-disabled', '--die-with-parent', '--new-session', '--cap-drop', 'ALL',
           '--clearenv', '--uid', str(NOBODY), '--gid', str(NOBODY), '--hostname', 'sandbox',
           '--ro-bind', '/usr', '/usr']
    for path in top:
        if os.path.islink(path):
            cmd += ['--symlink', os.readlink(path), path]
        elif os.path.isdir(path):
            cmd += ['--ro-bind', path, path]
    if not (prefix == '/usr' or prefix.startswith('/usr/')):
        cmd += ['--ro-bind', source or prefix, prefix]
    for path in hidden_package_dirs(prefix) if hide is None else hide:
        cmd += ['--tmpfs', path, '--remount-ro', path]
    cmd += ['--proc', '/proc', '--dev', '/dev', '--remount-ro', '/dev',
            '--size', str(int(tmp_mb) << 20), '--tmpfs', '/tmp', '--remount-ro', '/',
            '--chdir', '/tmp',
            '--setenv', 'HOME', '/tmp', '--setenv', 'PATH', '/usr/bin:/bin',
            '--setenv', 'LANG', 'C.UTF-8']
    if seccomp_fd is not None:
        cmd += ['--seccomp', str(seccomp_fd)]
    cmd += ['--', python, '-I', '-S', '-B', '-c']
    return cmd


def as_nobody(prefix: str, staging: str, bwrap_cmd: list[str]) -> list[str]:
    """Root only: run ``bwrap_cmd`` as uid 65534 with ``prefix`` reachable at ``staging``."""
    return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', _AS_NOBODY, 'sh',
            prefix, staging, *bwrap_cmd]
