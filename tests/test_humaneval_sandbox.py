"""The sandbox that runs generated code: each hostile program costs itself, never the caller.

Everything here runs real subprocesses under the real limits; nothing is mocked.
"""
from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from opencompass.utils.sandbox import SandboxLimits, isolation, run_python

FAST = SandboxLimits(timeout=3.0)


def _leftovers(workdir: str) -> list[int]:
    """Live processes whose command line names this run's directory (the boot's argv)."""
    pids = []
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                cmd = f.read()
            with open(f'/proc/{pid}/stat') as f:
                state = f.read().rsplit(')', 1)[1].split()[0]
        except OSError:
            continue
        if workdir.encode() in cmd and state != 'Z':
            pids.append(int(pid))
    return pids


def test_passing_and_failing_programs_report_why():
    ok = run_python('x = sum(range(10))\nassert x == 45\nprint("fine")', FAST)
    assert ok.status == 'passed' and ok.stdout == 'fine\n'
    bad = run_python('assert 1 + 1 == 3, "math is broken"', FAST)
    assert bad.status == 'failed' and bad.reason == 'AssertionError: math is broken'
    syntax = run_python('def f(:\n  pass', FAST)
    assert syntax.status == 'failed' and syntax.reason.startswith('SyntaxError')


@pytest.mark.parametrize('code', ['import sys\nsys.exit(0)', 'import os\nos._exit(0)', 'exit(0)',
                                  'print(\'{"status": "passed"}\')\nimport os\nos._exit(0)'])
def test_exiting_early_is_not_success(code):
    result = run_python(code, FAST)
    assert result.status in ('failed', 'crashed'), result


def test_infinite_loop_times_out_and_leaves_nothing_behind():
    result = run_python('while True:\n    pass', SandboxLimits(timeout=1.5))
    assert result.status == 'timeout' and 'timed out after 1.5s' in result.reason
    assert _leftovers(result.extra['workdir']) == []


def test_children_are_killed_with_the_process_group():
    """Without the Python guard, the program forks sleepers then loops: all of them die."""
    code = ('import os, time\n'
            'for _ in range(5):\n'
            '    if os.fork() == 0:\n'
            '        time.sleep(600)\n'
            'while True:\n'
            '    time.sleep(0.1)\n')
    result = run_python(code, SandboxLimits(timeout=1.5), guard=False)
    assert result.status == 'timeout'
    time.sleep(0.2)
    assert _leftovers(result.extra['workdir']) == []


def test_fork_bomb_costs_one_program():
    code = 'import os\nwhile True:\n    os.fork()\n'
    result = run_python(code, FAST)
    assert result.status == 'failed' and 'fork() is disabled' in result.reason
    for sneaky in ('import subprocess', 'import multiprocessing', 'import ctypes',
                   'import os\nos.system("echo hi")', 'import os\nos.execv("/bin/sh", ["sh"])'):
        r = run_python(sneaky, FAST)
        assert r.status == 'failed', (sneaky, r)
        assert 'hi' not in r.stdout


@pytest.mark.skipif(os.geteuid() == 0 and isolation()['uid'] is None,
                    reason='as root without a usable unprivileged uid, RLIMIT_NPROC does not '
                           'apply (the kernel exempts uid 0); the Python guard covers fork')
def test_fork_bomb_is_bounded_by_the_process_limit_alone():
    code = ('import os, time\n'
            'n = 0\n'
            'try:\n'
            '    while True:\n'
            '        if os.fork() == 0:\n'
            '            time.sleep(600)\n'
            '        n += 1\n'
            'except OSError:\n'
            '    raise SystemError(f"fork refused after {n}")\n')
    result = run_python(code, SandboxLimits(timeout=5, max_processes=8), guard=False)
    assert result.status == 'failed' and 'fork refused' in result.reason
    time.sleep(0.2)
    assert _leftovers(result.extra['workdir']) == []


def test_huge_output_is_cut_and_bounded():
    result = run_python('while True:\n    print("x" * 10000)', SandboxLimits(timeout=5,
                                                                        max_output=100_000))
    assert result.status == 'output_limit'
    assert len(result.stdout) <= 100_000


def test_memory_bomb_fails_with_memory_error():
    grow = 'keep = []\nwhile True:\n    keep.append(" " * (16 << 20))'
    for code in ('x = " " * (8 << 30)', grow):
        result = run_python(code, SandboxLimits(timeout=10, memory_mb=512))
        assert result.status in ('failed', 'crashed'), result
        assert 'MemoryError' in result.reason or 'signal' in result.reason


@pytest.fixture
def listener():
    """A TCP server on localhost that records whether anyone connected."""
    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen(5)
    server.settimeout(0.2)
    hits: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                hits.append(1)
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join(2)
    server.close()


def test_network_access_is_refused(listener):
    port, hits = listener
    code = f'import socket\nsocket.create_connection(("127.0.0.1", {port}), timeout=2)\n'
    result = run_python(code, FAST)
    assert result.status == 'failed' and 'socket' in result.reason
    sneaky = 'import importlib\nimportlib.import_module("_socket")\n'
    assert run_python(sneaky, FAST).status == 'failed'
    assert hits == []


@pytest.mark.skipif(not isolation()['netns'], reason='no network namespace on this machine '
                    '(needs root or user namespaces); only the Python-level block applies')
def test_network_namespace_holds_without_the_python_guard(listener):
    port, hits = listener
    code = f'import socket\nsocket.create_connection(("127.0.0.1", {port}), timeout=2)\n'
    result = run_python(code, FAST, guard=False)
    assert result.status == 'failed' and 'Error' in result.reason, result
    assert hits == []


def test_writes_outside_the_temp_dir_are_refused(tmp_path):
    target = tmp_path / 'pwned.txt'
    existing = tmp_path / 'keep.txt'
    existing.write_text('precious')
    attempts = [
        f'open({str(target)!r}, "w").write("x")',
        f'import os\nos.open({str(target)!r}, os.O_WRONLY | os.O_CREAT)',
        f'import io\nio.FileIO({str(target)!r}, "w")',
        f'import pathlib\npathlib.Path({str(target)!r}).write_text("x")',
        f'open("../../{target.name}", "a")',
        f'import os\nos.remove({str(existing)!r})',
        f'import os\nos.rename({str(existing)!r}, {str(target)!r})',
        f'import shutil\nshutil.rmtree({str(tmp_path)!r})',
        'import os\nos.chdir("/")\nopen("pwned.txt", "w")',
    ]
    for code in attempts:
        result = run_python(code, FAST)
        assert result.status == 'failed', (code, result)
    assert not target.exists()
    assert existing.read_text() == 'precious'
    inside = run_python('open("scratch.txt", "w").write("ok")\nprint(open("scratch.txt").read())',
                        FAST)
    assert inside.status == 'passed' and inside.stdout == 'ok\n'
    assert not os.path.exists(inside.extra['workdir'])  # removed after the run


def test_file_size_is_limited():
    code = 'with open("big.bin", "wb") as f:\n    f.write(b"x" * (64 << 20))\n'
    result = run_python(code, SandboxLimits(timeout=10, max_file_mb=1))
    assert result.status in ('failed', 'crashed'), result
