"""A seccomp filter for the sandbox (``bwrap --seccomp FD``): defence in depth.

The namespaces already deny what these calls could do; the filter shrinks the kernel
surface a sample can reach: debugging other processes (``ptrace``,
``process_vm_*``), kernel keyrings, eBPF, perf, ``userfaultfd``, io_uring, mounts and
namespaces, module loading and other administration calls fail with ``EPERM``. On
x86-64 the x32 system-call table is refused as a whole. Built as classic BPF for
x86-64 and aarch64; on other architectures no filter is added.
"""
from __future__ import annotations

import errno
import os
import platform
import struct

_DENIED = ('ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'keyctl', 'add_key',
           'request_key', 'bpf', 'perf_event_open', 'userfaultfd', 'io_uring_setup',
           'io_uring_enter', 'io_uring_register', 'mount', 'umount2', 'pivot_root', 'chroot',
           'unshare', 'setns', 'open_tree', 'move_mount', 'fsopen', 'fsconfig', 'fsmount',
           'fspick', 'mount_setattr', 'name_to_handle_at', 'open_by_handle_at', 'kexec_load',
           'init_module', 'finit_module', 'delete_module', 'swapon', 'swapoff', 'reboot',
           'acct', 'syslog', 'quotactl', 'vhangup', 'personality')
_NUMBERS = {
    'x86_64': (0xC000003E, {
        'ptrace': 101, 'process_vm_readv': 310, 'process_vm_writev': 311, 'kcmp': 312,
        'keyctl': 250, 'add_key': 248, 'request_key': 249, 'bpf': 321, 'perf_event_open': 298,
        'userfaultfd': 323, 'io_uring_setup': 425, 'io_uring_enter': 426,
        'io_uring_register': 427, 'mount': 165, 'umount2': 166, 'pivot_root': 155,
        'chroot': 161, 'unshare': 272, 'setns': 308, 'open_tree': 428, 'move_mount': 429,
        'fsopen': 430, 'fsconfig': 431, 'fsmount': 432, 'fspick': 433, 'mount_setattr': 442,
        'name_to_handle_at': 303, 'open_by_handle_at': 304, 'kexec_load': 246,
        'init_module': 175, 'finit_module': 313, 'delete_module': 176, 'swapon': 167,
        'swapoff': 168, 'reboot': 169, 'acct': 163, 'syslog': 103, 'quotactl': 179,
        'vhangup': 153, 'personality': 135}),
    'aarch64': (0xC00000B7, {
        'ptrace': 117, 'process_vm_readv': 270, 'process_vm_writev': 271, 'kcmp': 272,
        'keyctl': 219, 'add_key': 217, 'request_key': 218, 'bpf': 280, 'perf_event_open': 241,
        'userfaultfd': 282, 'io_uring_setup': 425, 'io_uring_enter': 426,
        'io_uring_register': 427, 'mount': 40, 'umount2': 39, 'pivot_root': 41, 'chroot': 51,
        'unshare': 97, 'setns': 268, 'open_tree': 428, 'move_mount': 429, 'fsopen': 430,
        'fsconfig': 431, 'fsmount': 432, 'fspick': 433, 'mount_setattr': 442,
        'name_to_handle_at': 264, 'open_by_handle_at': 265, 'kexec_load': 104,
        'init_module': 105, 'finit_module': 273, 'delete_module': 106, 'swapon': 224,
        'swapoff': 225, 'reboot': 142, 'acct': 89, 'syslog': 116, 'quotactl': 60,
        'vhangup': 58, 'personality': 92}),
}
_LD_ABS, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06
_ALLOW, _ERRNO, _KILL = 0x7FFF0000, 0x00050000, 0x80000000
_X32_BIT = 0x40000000


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack('<HBBI', code, jt, jf, k)


def filter_program(machine: str | None = None) -> bytes | None:
    """The BPF program (``struct sock_filter[]``) for this machine, or None if unsupported."""
    entry = _NUMBERS.get(machine or platform.machine())
    if entry is None:
        return None
    arch, numbers = entry
    denied = sorted({numbers[name] for name in _DENIED})
    deny = _ERRNO | errno.EPERM
    body = [_insn(_LD_ABS, 4),                    # seccomp_data.arch
            _insn(_JEQ, arch, 1, 0),
            _insn(_RET, _KILL),                   # another ABI: never expected here
            _insn(_LD_ABS, 0)]                    # seccomp_data.nr
    if arch == 0xC000003E:
        body.append(_insn(_JGE, _X32_BIT, len(denied) + 1, 0))  # x32: to the deny at the end
    for i, nr in enumerate(denied):
        body.append(_insn(_JEQ, nr, len(denied) - i, 0))       # jump to the deny
    body += [_insn(_RET, _ALLOW), _insn(_RET, deny)]
    return b''.join(body)


def filter_fd() -> int | None:
    """A sealed-in-memory copy of the program for ``bwrap --seccomp``; the caller closes it."""
    program = filter_program()
    if program is None:
        return None
    fd = os.memfd_create('oc-sandbox-seccomp', os.MFD_CLOEXEC)  # pass_fds hands it to bwrap
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
