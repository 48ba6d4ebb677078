"""The sandbox package: the bubblewrap command (golden), the wire format, limits, isolation.

Everything runs real bubblewrap sandboxes; nothing is mocked. The hostile suite is in
tests/test_sandbox_hostile.py.
"""
from __future__ import annotations

import errno
import json
import os
import platform
import subprocess
import sys
import time

import pytest
from sandbox_required import sandbox  # noqa: F401 - the fixture

from opencompass.utils.sandbox import (
    SampleFailure,
    Sandbox,
    SandboxLimits,
    SandboxUnavailableError,
    check_function,
    policy,
    protocol,
    seccomp,
)
from opencompass.utils.sandbox.bwrap import as_nobody, bwrap_command
from opencompass.utils.sandbox.seccomp import filter_program

FAST = SandboxLimits(timeout=4.0)
PROBE = '''import os, sys
def probe(what):
    if what == 'ids':
        return [os.getuid(), os.getgid(), os.getpid(), os.getppid()]
    if what == 'env':
        return dict(os.environ)
    if what == 'root':
        return sorted(os.listdir('/'))
    if what == 'pids':
        return sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
    if what == 'path':
        return sys.path
    if what == 'hostname':
        return os.uname().nodename
'''


def test_bwrap_command_golden():
    cmd = bwrap_command('/opt/py/bin/python3.11', '/opt/py', 64, source='/stage', top=(),
                        hide=['/opt/py/lib/python3.11/site-packages'])
    assert cmd == [
        'bwrap', '--unshare-all', '--unshare-user', '--disable-userns', '--assert-userns-disabled',
        '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--clearenv',
        '--uid', '65534', '--gid', '65534', '--hostname', 'sandbox', '--ro-bind', '/usr', '/usr',
        '--ro-bind', '/stage', '/opt/py',
        '--tmpfs', '/opt/py/lib/python3.11/site-packages',
        '--remount-ro', '/opt/py/lib/python3.11/site-packages',
        '--proc', '/proc', '--dev', '/dev', '--remount-ro', '/dev',
        '--size', str(64 << 20), '--tmpfs', '/tmp', '--remount-ro', '/', '--chdir', '/tmp',
        '--setenv', 'HOME', '/tmp', '--setenv', 'PATH', '/usr/bin:/bin',
        '--setenv', 'LANG', 'C.UTF-8', '--', '/opt/py/bin/python3.11', '-I', '-S', '-B', '-c']
    with_filter = bwrap_command('/opt/py/bin/python3.11', '/opt/py', 64, top=(), hide=[],
                                seccomp_fd=7)
    assert with_filter[-8:] == ['--seccomp', '7', '--', '/opt/py/bin/python3.11', '-I', '-S',
                                '-B', '-c']
    wrapped = as_nobody('/opt/py', '/stage', ['bwrap', 'x'])
    assert wrapped[:8] == ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c',
                           wrapped[7]]
    assert 'setpriv --reuid=65534 --regid=65534 --clear-groups' in wrapped[7]
    assert wrapped[8:] == ['sh', '/opt/py', '/stage', 'bwrap', 'x']


@pytest.mark.parametrize('value', [None, True, 0, -7, 2 ** 80, 1.5, float('inf'), -0.0, 'é\n"',
                                   b'\x00\xff', 3 + 4j, [1, [2, (3,)]], (), {1: 'a', 'b': [2.5]},
                                   {1, 2}, frozenset({'x'}), {(1, 2): {3}}])
def test_plain_data_round_trips_exactly(value):
    back = protocol.decode(protocol.encode(value))
    assert back == value and type(back) is type(value)


@pytest.mark.parametrize('wire', [{'x': 1}, {'f': 1}, {'l': 'abc'}, {'d': [[1]]}, {'s': [{'l': []}]},
                                  1.5, [1, 2], {'f': 'zz'}, {'l': [1], 't': [2]}])
def test_malformed_values_are_refused(wire):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(wire)


@pytest.mark.usefixtures('sandbox')
def test_the_sandbox_is_an_unprivileged_empty_world():
    with Sandbox(PROBE, 'probe', FAST) as box:
        box.start()
        uid, gid, pid, ppid = box.call('ids')
        assert (uid, gid) == (65534, 65534) and pid <= 3 and ppid == 1
        assert set(box.call('env')) <= {'HOME', 'PATH', 'LANG', 'PWD', 'LC_CTYPE'}
        assert box.call('root') == sorted(['bin', 'dev', 'lib', 'lib64', 'proc', 'tmp', 'usr',
                                           *(['root'] if sys.base_prefix.startswith('/root')
                                             else [])] + (['sbin'] if os.path.exists('/sbin')
                                                          else []))
        assert box.call('pids') == [1, pid]  # its own pid namespace: bwrap's init and itself
        assert box.call('hostname') == 'sandbox'
        assert not any('site-packages' in p and os.path.isdir(p) and os.listdir(p)
                       for p in box.call('path') if p.startswith('/root'))


@pytest.mark.usefixtures('sandbox')
def test_a_timeout_an_output_flood_and_a_huge_reply_each_fail_the_sample():
    cases = {'timeout': 'def f():\n    while True:\n        pass\n',
             'output_limit': 'def f():\n    while True:\n        print("x" * 10000)\n',
             'reply_limit': 'def f():\n    return "x" * (4 << 20)\n'}
    for status, program in cases.items():
        with Sandbox(program, 'f', SandboxLimits(timeout=3.0, max_output=100_000)) as box:
            box.start()
            with pytest.raises(SampleFailure) as failure:
                box.call()
            assert failure.value.status == status
            assert len(box.output) <= 100_000


@pytest.mark.usefixtures('sandbox')
def test_processes_are_bounded_inside_the_sandbox():
    program = ('import os, time\ndef f():\n    n = 0\n    try:\n        while True:\n'
               '            if os.fork() == 0:\n                time.sleep(60)\n'
               '            n += 1\n    except OSError:\n        return n\n')
    with Sandbox(program, 'f', SandboxLimits(timeout=10.0, max_processes=8)) as box:
        box.start()
        assert box.call() <= 8


@pytest.mark.usefixtures('sandbox')
def test_the_verdict_comes_from_the_values_only():
    test = 'def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(3) == 9\n'
    assert check_function('def sq(x):\n    return x * x\n', 'sq', '', test).passed
    forged = ('import os\ndef sq(x):\n    os.write(1, b\'{"value": 9}\\n{"value": 9}\\n\')\n'
              '    return 4\n')
    assert check_function(forged, 'sq', '', test).status == 'failed'
    broken = check_function('def sq(x):\n    return x * x\n', 'sq', '', 'def check(:\n')
    assert broken.status == 'error'


def test_without_bubblewrap_code_is_refused_unless_the_user_opts_in(tmp_path):
    """Run in a fresh interpreter whose PATH has no bwrap: refusal, then the opt-in's warning."""
    code = ('from opencompass.utils.sandbox import check_function, require\n'
            'import sys\n'
            'try:\n    confined = require()\nexcept Exception as e:\n'
            '    print("REFUSED", e); sys.exit(0)\n'
            'r = check_function("def f():\\n    return 1\\n", "f", "", '
            '"def check(c):\\n    assert c() == 1\\n", confined=confined)\n'
            'print("RAN", confined, r.status)\n')
    env = {k: v for k, v in os.environ.items() if k != policy.UNSAFE_ENV}
    env['PATH'] = str(tmp_path)  # no bwrap, no unshare
    refused = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                             env=env, cwd=os.getcwd())
    assert refused.stdout.startswith('REFUSED cannot run generated code in isolation: '
                                     'bubblewrap (bwrap) is not installed; install bubblewrap '
                                     '(apt-get install bubblewrap)'), refused
    assert '--allow-unsafe-code' in refused.stdout
    env[policy.UNSAFE_ENV] = '1'
    allowed = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                             env=env, cwd=os.getcwd())
    assert allowed.stdout.strip() == 'RAN False passed', allowed
    assert 'warning: generated code runs WITHOUT isolation' in allowed.stderr


def test_the_refusal_is_a_user_error():
    assert issubclass(SandboxUnavailableError, Exception) and SandboxUnavailableError.exit_code == 2


SYSTEM_PYTHON = '/usr/bin/python3'
CONFINED = True


@pytest.mark.usefixtures('sandbox')
@pytest.mark.skipif(os.geteuid() != 0 or not os.access(SYSTEM_PYTHON, os.X_OK),
                    reason='needs root (to become uid 65534) and a system Python')
def test_an_unprivileged_evaluator_gets_the_same_sandbox(tmp_path):
    """The evaluator as uid 65534 with the system Python: bwrap runs unprivileged directly."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = ('import sys\n'
            f'sys.path.insert(0, {root!r})\n'
            'from opencompass.utils.sandbox import Sandbox, SandboxLimits, isolation\n'
            'assert isolation() is None, isolation()\n'
            f'probe = {PROBE!r}\n'
            'with Sandbox(probe, "probe", SandboxLimits(timeout=10)) as box:\n'
            '    box.start()\n'
            '    import json\n'
            '    print(json.dumps([box.call("ids"), sorted(box.call("env")), box.call("pids")]))\n')
    proc = subprocess.run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups',
                           SYSTEM_PYTHON, '-c', code], capture_output=True, text=True,
                          cwd=str(tmp_path), env={'PATH': '/usr/bin:/bin'}, timeout=120)
    if proc.returncode and 'Permission denied' in proc.stderr and root in proc.stderr:
        pytest.skip('the checkout is not readable by uid 65534')
    assert proc.returncode == 0, proc.stderr[-1000:]
    ids, env, pids = json.loads(proc.stdout)
    assert ids[:2] == [65534, 65534] and ids[3] == 1 and pids == [1, ids[2]]
    assert set(env) <= {'HOME', 'PATH', 'LANG', 'PWD', 'LC_CTYPE'}


SYSCALLS = '''import ctypes
libc = ctypes.CDLL(None, use_errno=True)
def call(nr):
    return [libc.syscall(nr, 0, 0), ctypes.get_errno()]
'''


@pytest.mark.usefixtures('sandbox')
@pytest.mark.skipif(platform.machine() != 'x86_64', reason='system call numbers of x86-64')
def test_the_seccomp_filter_refuses_what_no_sample_needs():
    """ptrace(TRACEME), keyctl, io_uring_setup, bpf and an x32 call fail with EPERM; getpid
    works. Without the filter (filter_fd patched to None) ptrace and io_uring_setup ran."""
    assert len(filter_program('x86_64')) == 8 * (4 + 1 + len(set(seccomp._DENIED)) + 2)
    assert filter_program('sparc') is None
    with Sandbox(SYSCALLS, 'call', FAST) as box:
        box.start()
        for nr in (101, 250, 425, 321, 0x40000000 | 39):
            assert box.call(nr) == [-1, errno.EPERM], nr
        assert box.call(39)[0] == 2  # getpid: pid 2 in its namespace


@pytest.mark.usefixtures('sandbox')
def test_the_sandbox_and_everything_in_it_die_with_the_evaluator(tmp_path):
    """SIGKILL of the evaluator: bwrap (--die-with-parent) and the sample's detached
    grandchild (setsid, double fork) are gone too. (Unconfined, CONFINED=False, the
    grandchild survived: shown once.)"""
    marker = f'ocdiewith{os.getpid()}'
    program = ('import os, sys\n'
               'if os.fork() == 0:\n'
               '    os.setsid()\n'
               '    if os.fork() == 0:\n'
               '        os.execv(sys.executable, [sys.executable, "-c",\n'
               f'                 "import time; time.sleep(300)  # {marker}"])\n'
               '    os._exit(0)\n'
               'def f():\n    return 1\n')
    code = ('import sys, time\n'
            f'sys.path.insert(0, {os.getcwd()!r})\n'
            'from opencompass.utils.sandbox import Sandbox\n'
            f'box = Sandbox({program!r}, "f", confined={CONFINED})\n'
            'box.start()\n'
            'print(box.call(), flush=True)\n'
            'time.sleep(300)\n')
    evaluator = subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, text=True)
    try:
        assert evaluator.stdout is not None and evaluator.stdout.readline().strip() == '1'
        deadline = time.monotonic() + 10
        while not set(_processes_with(marker)) - {evaluator.pid} and time.monotonic() < deadline:
            time.sleep(0.1)
        assert set(_processes_with(marker)) - {evaluator.pid}, 'the sleeper should be running'
    finally:
        evaluator.kill()
        evaluator.wait()
    deadline = time.monotonic() + 10
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_with(marker) == []


def _processes_with(text: str) -> list[int]:
    pids = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                if text.encode() in f.read() and int(pid) != os.getpid():
                    pids.append(int(pid))
        except OSError:
            continue
    return pids


@pytest.mark.skipif(os.geteuid() != 0, reason='the staging directory is used as root only')
def test_a_staging_directory_others_could_change_is_refused(tmp_path, monkeypatch):
    from opencompass.utils.sandbox import runner
    theirs = tmp_path / 'stage'
    theirs.mkdir()
    os.chown(theirs, 65534, 65534)
    monkeypatch.setattr(runner, 'STAGING', str(theirs))
    with pytest.raises(SampleFailure, match='not a directory only root can change'):
        runner.staging_dir()
    os.chown(theirs, 0, 0)
    assert runner.staging_dir() == str(theirs)
