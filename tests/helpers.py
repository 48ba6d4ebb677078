"""Helpers for tests that drive ``run.py`` as a user would: write files, run, read the tree."""
from __future__ import annotations

import glob
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_datasets(directory: str, n_gen: int = 12, n_mc: int = 10) -> None:
    """``arith.jsonl`` (generation, numeric answers) and ``mc.jsonl`` (A-D choice)."""
    rng = random.Random(0)
    with open(os.path.join(directory, 'arith.jsonl'), 'w') as f:
        for _ in range(n_gen):
            a, b = rng.randint(1, 20), rng.randint(1, 20)
            f.write(json.dumps({'question': f'What is {a} + {b}?', 'answer': str(a + b)}) + '\n')
    with open(os.path.join(directory, 'mc.jsonl'), 'w') as f:
        for i in range(n_mc):
            f.write(json.dumps({'question': f'Which letter is number {i % 4 + 1}?', 'A': 'one',
                                'B': 'two', 'C': 'three', 'D': 'four',
                                'answer': 'ABCD'[i % 4]}) + '\n')


HEADER = '''\
from opencompass.models import HuggingFaceCausalLM
from opencompass.datasets import CustomDataset
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import ZeroRetriever
from opencompass.openicl.icl_inferencer import GenInferencer, PPLInferencer
from opencompass.openicl.icl_evaluator import AccEvaluator, EMEvaluator
from opencompass.utils.text_postprocessors import last_number_postprocess
from opencompass.partitioners import NaivePartitioner, SizePartitioner
from opencompass.runners import LocalRunner
from opencompass.tasks import OpenICLInferTask, OpenICLEvalTask
'''


# the infer stage most tests use: one task per (model, dataset), two local workers
NAIVE = ("dict(partitioner=dict(type=NaivePartitioner), runner=dict(type=LocalRunner, "
         "max_num_workers=2, task=dict(type=OpenICLInferTask)))")


def free_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then released)."""
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port: int = s.getsockname()[1]
        return port


def model_entry(path: str, abbr: str = 'tiny', **extra: Any) -> str:
    opts = dict(abbr=abbr, path=path, max_out_len=6, batch_size=4, max_seq_len=256,
                torch_threads=1, run_cfg=dict(num_gpus=0))
    opts.update(extra)
    return f'dict(type=HuggingFaceCausalLM, **{opts!r})'


def dataset_entries(data_dir: str, test_range: str | None = None) -> str:
    rng = f', test_range={test_range!r}' if test_range else ''
    return f'''[
    dict(abbr='arith', type=CustomDataset, path={os.path.join(data_dir, 'arith.jsonl')!r},
         reader_cfg=dict(input_columns=['question'], output_column='answer'{rng}),
         infer_cfg=dict(prompt_template=dict(type=PromptTemplate,
                                             template='Q: {{question}}\\nA: {{answer}}'),
                        retriever=dict(type=ZeroRetriever), inferencer=dict(type=GenInferencer)),
         eval_cfg=dict(evaluator=dict(type=EMEvaluator),
                       pred_postprocessor=dict(type=last_number_postprocess))),
    dict(abbr='mc', type=CustomDataset, path={os.path.join(data_dir, 'mc.jsonl')!r},
         reader_cfg=dict(input_columns=['question', 'A', 'B', 'C', 'D'], output_column='answer'{rng}),
         infer_cfg=dict(prompt_template=dict(type=PromptTemplate, template={{
                            label: dict(round=[
                                dict(role='HUMAN', prompt='{{question}}\\nA. {{A}}\\nB. {{B}}'
                                                          '\\nC. {{C}}\\nD. {{D}}'),
                                dict(role='BOT', prompt='Answer: ' + label)])
                            for label in 'ABCD'}}),
                        retriever=dict(type=ZeroRetriever), inferencer=dict(type=PPLInferencer)),
         eval_cfg=dict(evaluator=dict(type=AccEvaluator))),
]'''


def write_config(path: str, models: list[str], datasets: str, infer: str | None = None,
                 eval_: str | None = None, extra: str = '') -> str:
    """Write a run config; ``models`` are ``model_entry`` strings."""
    text = HEADER + f'models = [{", ".join(models)}]\n' + f'datasets = {datasets}\n'
    if infer:
        text += f'infer = {infer}\n'
    if eval_:
        text += f'eval = {eval_}\n'
    text += extra
    with open(path, 'w') as f:
        f.write(text)
    return path


def run_cli(*args: str, cwd: str | None = None, timeout: float = 600,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python run.py ARGS`` in a subprocess; returns the completed process (text output)."""
    full_env = dict(os.environ)
    full_env.pop('CUDA_VISIBLE_DEVICES', None)
    full_env.update(env or {})
    return subprocess.run([sys.executable, os.path.join(ROOT, 'run.py'), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=full_env)


def start_cli(*args: str, env: dict[str, str]) -> subprocess.Popen:
    """``python run.py ARGS`` started in the background (pipes for stdout and stderr)."""
    full = {k: v for k, v in os.environ.items() if k != 'CUDA_VISIBLE_DEVICES'}
    full.update(env)
    return subprocess.Popen([sys.executable, os.path.join(ROOT, 'run.py'), *args], env=full,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_ctrl_c_as_in_a_terminal)


def _ctrl_c_as_in_a_terminal() -> None:
    """SIGINT back to its default in the child: a test suite started in the background
    (``cmd &`` in a script) inherits SIGINT *ignored*, Python then keeps ignoring it, and a
    test sending SIGINT would measure how the suite was launched, not what run.py does on
    Ctrl-C (seen in a CI run started with ``nohup ... &``: both SIGINT tests timed out)."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def kill_after_journal(cfg: str, work: str, journal_glob: str, lines: int,
                       timeout: float = 120) -> list[str]:
    """``run.py CFG -w WORK --debug``, killed with SIGKILL (its whole process group) once
    the journal matched by ``journal_glob`` (below the run directory) has ``lines`` lines;
    returns those lines. Fails if that never happens within ``timeout`` seconds."""
    import signal
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, 'run.py'), cfg, '-w', work,
                             '--debug'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.time() + timeout
        got: list[str] = []
        while time.time() < deadline and len(got) < lines:
            found = glob.glob(os.path.join(work, '*', journal_glob))
            got = open(found[0]).read().splitlines() if found else []
            time.sleep(0.1)
        assert len(got) == lines, got
        return got
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_for_run_dir(work: str, timeout: float = 60) -> str:
    """The run directory a started ``run.py -w WORK`` creates, once it exists."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.isdir(work) and runs(work):
            return only_run(work)
        time.sleep(0.1)
    raise AssertionError('run directory never appeared')


def follow_queue(proc: subprocess.Popen, work: str,
                 squeue: Callable[[str], list[tuple[str, str, str]]]) -> tuple[str, str, int, set[str]]:
    """Poll the Slurm queue for the run's jobs until ``proc`` (``start_cli``) exits.

    Returns ``(stdout, stderr, most jobs pending at once, job names seen)``; the process is
    killed if anything goes wrong on the way."""
    from opencompass.runners.slurm_cmd import run_prefix
    most_pending, seen = 0, set()
    try:
        prefix = run_prefix(wait_for_run_dir(work))
        while proc.poll() is None:
            jobs = squeue(prefix)
            seen.update(name for _, name, _ in jobs)
            most_pending = max(most_pending, sum(1 for *_, s in jobs if s == 'PENDING'))
            time.sleep(0.1)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    return out, err, most_pending, seen


def runs(work_dir: str) -> list[str]:
    return sorted(d for d in os.listdir(work_dir) if len(d) == 15 and d[8] == '_')


def only_run(work_dir: str) -> str:
    found = runs(work_dir)
    assert len(found) == 1, found
    return os.path.join(work_dir, found[0])


def read_json(path: str) -> Any:
    with open(path) as f:
        return json.load(f)


def summary_csv(run_dir: str) -> list[list[str]]:
    import csv
    files = sorted(glob.glob(os.path.join(run_dir, 'summary', 'summary_*.csv')))
    assert files, 'no summary written'
    with open(files[-1]) as f:
        return list(csv.reader(f))
