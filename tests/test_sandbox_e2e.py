"""The hostile suite end to end: ``run.py`` with an API model that serves hostile answers.

A local OpenAI-compatible server (tests/api_servers.py) answers every HumanEval prompt
with one program of tests/hostile_programs.py. The API key is a literal in the config
(``run.py`` moves it into an ``OC_SECRET_*`` variable of the task processes) and a second
fake secret is in the environment. The run must finish, score 0, leave the canary
directory, a 127.0.0.1 listener and every file of the work dir and the console free of
the secrets, and leave no process behind.

Shown failing against the old sandbox (commit 79a9554, ``OC_HOSTILE_OLD=1``, 13 answers):
the run scored humaneval_pass@1 = 15.38 (two forged passes), and bind_mount_outside left
a bind mount on the host.
"""
from __future__ import annotations

import json
import os
import secrets
import time

import pytest
from api_servers import FakeOpenAI
from helpers import only_run, read_json, run_cli
from hostile_programs import DANGEROUS, program
from sandbox_required import sandbox  # noqa: F401 - the fixture
from test_sandbox_hostile import Listener, _snapshot, _with_marker

from opencompass.datasets.humaneval import package_data_file

pytestmark = pytest.mark.usefixtures('sandbox')
ATTACKS = ['parent_environ', 'every_environ', 'secret_file', 'io_open_write',
           'fresh_posix_system', 'nsenter_parent_net', 'direct_socket', 'frame_walk_forge',
           'report_pipe_flood', 'setsid_double_fork', 'bind_mount_outside', 'kill_parent',
           'kill_everything', 'always_equal_object', 'stdout_passed_then_exit',
           'evaluator_stdout']
if os.environ.get('OC_HOSTILE_OLD') == '1':  # see test_sandbox_hostile.py
    ATTACKS = [a for a in ATTACKS if a not in DANGEROUS and a != 'every_environ']
PROMPT = 'def add(a: int, b: int) -> int:\n    """Return a + b (problem {i})."""\n'
TEST = 'def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n'


class HostileServer(FakeOpenAI):
    """Answers the prompt of problem i with hostile answer i."""

    def __init__(self, answers: list[str]):
        super().__init__()
        self.answers = answers

    def answer(self, h, body):  # type: ignore[no-untyped-def]
        prompt = '\n'.join(m['content'] for m in body['messages'])
        i = int(prompt.split('(problem ')[1].split(')')[0])
        text = f'```python\n{self.answers[i]}```'
        h._send(200, json.dumps({'object': 'chat.completion', 'choices': [
            {'index': 0, 'message': {'role': 'assistant', 'content': text},
             'finish_reason': 'stop'}]}).encode())


def write_hostile_config(tmp_path, key: str, base_url: str, problems: str) -> str:
    config = tmp_path / 'eval_hostile.py'
    config.write_text(
        'from opencompass.models import OpenAISDK\n'
        'from opencompass.datasets import HumanevalDataset, HumanEvalEvaluator\n'
        'from opencompass.datasets import humaneval_postprocess\n'
        'from opencompass.openicl.icl_prompt_template import PromptTemplate\n'
        'from opencompass.openicl.icl_retriever import ZeroRetriever\n'
        'from opencompass.openicl.icl_inferencer import GenInferencer\n'
        f"models = [dict(type=OpenAISDK, abbr='api', path='fake', key={key!r},\n"
        f"               openai_api_base={base_url!r}, max_out_len=4096,\n"
        '               retry=1, timeout=20)]\n'
        f"datasets = [dict(abbr='he', type=HumanevalDataset, path={problems!r},\n"
        "                 reader_cfg=dict(input_columns=['prompt'], output_column='task_id'),\n"
        '                 infer_cfg=dict(\n'
        "                     prompt_template=dict(type=PromptTemplate, template=dict(\n"
        "                         round=[dict(role='HUMAN', prompt='{prompt}')])),\n"
        '                     retriever=dict(type=ZeroRetriever),\n'
        '                     inferencer=dict(type=GenInferencer)),\n'
        '                 eval_cfg=dict(evaluator=dict(type=HumanEvalEvaluator, k=[1],\n'
        '                                              timeout=5.0, memory_mb=256),\n'
        '                               pred_postprocessor=dict(type=humaneval_postprocess)))]\n')
    return str(config)


def write_problems(path, n: int) -> str:
    with open(path, 'w') as f:
        for i in range(n):
            f.write(json.dumps({'task_id': f'Toy/{i}', 'prompt': PROMPT.format(i=i),
                                'entry_point': 'add', 'test': TEST}) + '\n')
    return str(path)


def test_run_py_with_hostile_completions_scores_zero_and_leaks_nothing(tmp_path):
    canary = tmp_path / 'canary'
    canary.mkdir()
    (canary / 'keep.txt').write_text('precious')
    secret = secrets.token_hex(8)
    secret_file = tmp_path / 'secret.txt'
    secret_file.write_text(f'file-{secret}')
    secret_file.chmod(0o600)
    key = f'sk-hostile-{secret}'
    marker = 'ochostile' + secrets.token_hex(4)
    listener = Listener()
    values = {'canary': str(canary), 'secret_file': str(secret_file), 'port': listener.port,
              'marker': marker, 'he_path': package_data_file()}
    problems = write_problems(tmp_path / 'problems.jsonl', len(ATTACKS))
    before = _snapshot(str(canary))
    with HostileServer([program(a, **values) for a in ATTACKS]) as server:
        config = write_hostile_config(tmp_path, key, server.base_url, problems)
        work = tmp_path / 'out'
        proc = run_cli(str(config), '-w', str(work),
                       env={'OC_SECRET_HOSTILE': f'env-{secret}'})
    listener.close()
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = read_json(os.path.join(only_run(str(work)), 'results', 'api', 'he.json'))
    assert result['humaneval_pass@1'] == 0.0 and result['num_samples'] == len(ATTACKS)
    assert len(listener.received) == 0, 'the listener was reached'
    assert _snapshot(str(canary)) == before, 'the canary directory changed'
    deadline = time.monotonic() + 10
    while _with_marker(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _with_marker(marker) == [], 'a process of a sample survived'
    found = secret in proc.stdout + proc.stderr
    assert not found, 'a secret reached the console'
    for root, _dirs, files in os.walk(work):
        for name in files:
            with open(os.path.join(root, name), 'rb') as f:
                found = secret.encode() in f.read()
            assert not found, f'a secret is in {os.path.relpath(os.path.join(root, name), work)}'


def test_without_bubblewrap_run_py_refuses_unless_allowed(tmp_path):
    """No bwrap on PATH: exit 2 with one line before anything runs; the flag runs and warns."""
    problems = write_problems(tmp_path / 'problems.jsonl', 1)
    with HostileServer(['def add(a, b):\n    return a + b\n']) as server:
        config = write_hostile_config(tmp_path, 'sk-none', server.base_url, problems)
        env = {'PATH': str(tmp_path)}  # nothing there: no bwrap
        refused = run_cli(config, '-w', str(tmp_path / 'out'), env=env)
        assert refused.returncode == 2, refused.stderr[-2000:]
        assert refused.stderr.strip().splitlines()[-1] == (
            'error: cannot run generated code in isolation: bubblewrap (bwrap) is not installed; '
            'install bubblewrap (apt-get install bubblewrap) or, to run it unconfined at your own '
            'risk, pass --allow-unsafe-code (or set OC_ALLOW_UNSAFE_CODE=1)')
        assert not os.path.exists(tmp_path / 'out')
        allowed = run_cli(config, '-w', str(tmp_path / 'out'), '--allow-unsafe-code', env=env)
    assert allowed.returncode == 0, allowed.stderr[-2000:]
    assert 'warning: generated code runs WITHOUT isolation' in allowed.stderr
    result = read_json(os.path.join(only_run(str(tmp_path / 'out')), 'results', 'api', 'he.json'))
    assert result['humaneval_pass@1'] == 100.0
