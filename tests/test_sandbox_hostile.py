"""The hostile suite: every answer in ``hostile_programs.py`` runs through the real sandbox.

Each hostile answer is scored next to an honest one. For every answer: it costs exactly
its own problem (it fails, the honest answer after it passes), nothing outside changes
(a canary directory and ``/dev/shm``), no secret is readable (a fake ``OC_SECRET_*`` in
the evaluator's environment, a 0600 file, ``/etc/shadow``, HumanEval's canonical
solutions) through any channel (the result and its details, a 127.0.0.1 listener, the
canary directory), no process survives and the evaluator's memory stays bounded.

Shown failing against the old Python-level sandbox (commit 79a9554, run with
``OC_HOSTILE_OLD=1`` to leave out the answers that would harm the machine or read other
users' processes): 22 of the 38 answers run broke at least one of these checks there (see
the commit message); ``bind_mount_outside`` also left a bind mount behind on the host.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import socket
import stat
import threading
import time

import pytest
from hostile_programs import ATTACKS, DANGEROUS, program
from sandbox_required import sandbox  # noqa: F401 - the fixture

from opencompass.datasets import HumanEvalEvaluator
from opencompass.datasets.humaneval import package_data_file

pytestmark = pytest.mark.usefixtures('sandbox')
ADD = {'task_id': 'Toy/0',
       'prompt': 'def add(a: int, b: int) -> int:\n    """Return a + b."""\n',
       'entry_point': 'add', 'canonical_solution': '    return a + b\n',
       'test': 'def check(candidate):\n    assert candidate(1, 2) == 3\n'
               '    assert candidate(-1, 1) == 0\n'}
OLD = os.environ.get('OC_HOSTILE_OLD') == '1'
# through the old sandbox, reading every process's environment would also read other users'
NAMES = [n for n in ATTACKS if not (OLD and (n in DANGEROUS or n == 'every_environ'))]


class Listener:
    """A TCP server on 127.0.0.1 (or an abstract Unix socket) recording every connection."""

    def __init__(self, abstract: str | None = None) -> None:
        if abstract:
            self.server = socket.socket(socket.AF_UNIX)
            self.server.bind('\0' + abstract)
        else:
            self.server = socket.socket()
            self.server.bind(('127.0.0.1', 0))
        self.server.listen(16)
        self.server.settimeout(0.2)
        self.port = 0 if abstract else self.server.getsockname()[1]
        self.received: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            conn.settimeout(1)
            data = b'<connected>'
            try:
                data += conn.recv(1 << 20)
            except OSError:
                pass
            self.received.append(data)
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.server.close()


@pytest.fixture
def stage(tmp_path, monkeypatch):
    canary = tmp_path / 'canary'
    canary.mkdir()
    (canary / 'keep.txt').write_text('precious')
    secret = 'oc-secret-' + secrets.token_hex(8)
    secret_file = tmp_path / 'secret.txt'
    secret_file.write_text(f'file-{secret}')
    secret_file.chmod(0o600)
    monkeypatch.setenv('OC_SECRET_HOSTILE', f'env-{secret}')
    listener = Listener()
    marker = 'ochostile' + secrets.token_hex(4)
    unix = Listener(abstract=f'oc-hostile-{marker}')
    yield {'canary': str(canary), 'secret_file': str(secret_file), 'port': listener.port,
           'marker': marker, 'he_path': package_data_file(),
           'secret': secret, 'listener': listener, 'unix': unix}
    listener.close()
    unix.close()


def _snapshot(directory: str) -> dict[str, tuple[int, bytes]]:
    out = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        st = os.lstat(path)
        data = open(path, 'rb').read() if stat.S_ISREG(st.st_mode) else b''
        out[name] = (stat.S_IMODE(st.st_mode), data)
    return out


def _with_marker(marker: str) -> list[int]:
    pids = []
    for pid in os.listdir('/proc'):
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                if marker.encode() in f.read():
                    pids.append(int(pid))
        except (OSError, ValueError):
            continue
    return pids


def _rss_kb(field: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    return 0


SHADOW_LINE = re.compile(r'root:[^:\s]*:\d*:')  # the shape of /etc/shadow's first line


@pytest.mark.parametrize('name', NAMES)
def test_hostile_answer_costs_only_itself_and_leaks_nothing(name, stage):
    values = {k: stage[k] for k in ('canary', 'secret_file', 'port', 'marker', 'he_path')}
    before = _snapshot(stage['canary'])
    with open('/proc/self/clear_refs', 'w') as f:  # reset the peak RSS (VmHWM)
        f.write('5')
    rss_before = _rss_kb('VmRSS')
    ev = HumanEvalEvaluator(n_workers=1, timeout=4.0, memory_mb=256, k=[1])
    result = ev.score([program(name, **values), ADD['canonical_solution']],
                      [ADD['task_id']] * 2, test_set=[ADD, ADD])
    growth_mb = (_rss_kb('VmHWM') - rss_before) / 1024
    hostile, honest = result['details']
    assert hostile['passed'] is False, hostile['result'][:100]
    assert honest['passed'] is True, honest['result'][:100]
    assert result['humaneval_pass@1'] == pytest.approx(50.0)
    assert growth_mb < 150, f'the evaluator grew by {growth_mb:.0f} MB'
    time.sleep(0.1)
    deadline = time.monotonic() + 10
    while _with_marker(stage['marker']) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _with_marker(stage['marker']) == [], 'a process of the sample survived'
    assert _snapshot(stage['canary']) == before, 'the canary directory changed'
    assert not os.path.exists(f"/dev/shm/oc_hostile_{stage['marker']}")
    received = len(stage['listener'].received) + len(stage['unix'].received)
    assert received == 0, f'the listener got {received} connection(s)'
    text = json.dumps(result)  # checked without echoing it: it may hold what leaked
    shadow = SHADOW_LINE.search(text) is not None
    assert not shadow, '/etc/shadow leaked'
    for leaked in (stage['secret'], 'canonical_solution'):
        found = leaked in text
        assert not found, f'{leaked[:14]}... leaked'


def test_no_sandboxed_process_is_left_after_the_suite():
    """Every process started in a sandbox has the boot code in its command line (python -c):
    after the suite (and its setsid double forks, fork bombs, killers), none is alive."""
    deadline = time.monotonic() + 10
    while _with_marker('The code run *inside* the sandbox') and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _with_marker('The code run *inside* the sandbox') == []
