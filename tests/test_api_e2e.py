"""``run.py`` on API models: the tiny model behind ``transformers serve``, and a local
failure-injecting endpoint (tests/api_servers.py). Real servers, real HTTP, no mocks."""
from __future__ import annotations

import glob
import os

import pytest
from api_servers import FakeOpenAI, ServedModel
from helpers import (
    dataset_entries,
    kill_after_journal,
    only_run,
    read_json,
    run_cli,
    summary_csv,
    write_config,
)


def api_entry(abbr: str, base_url: str, path: str = 'fake', **extra) -> str:
    opts = dict(abbr=abbr, path=path, openai_api_base=base_url, key='EMPTY', max_out_len=6,
                retry=2, backoff=0.05, timeout=20)
    opts.update(extra)
    return f"dict(type='OpenAISDK', **{opts!r})"


@pytest.fixture(scope='module')
def served(tiny_model, tmp_path_factory):
    """``transformers serve`` of the tiny model, stopped by PID at the end of the module."""
    log = str(tmp_path_factory.mktemp('serve') / 'serve.log')
    server = ServedModel(tiny_model, log)
    yield server
    server.stop()


def test_run_against_transformers_serve(served, tiny_model, data_dir, tmp_path):
    """Chat and completions models produce the usual tree and summary; PPL fails clearly."""
    gen_ds, ppl_ds = split_datasets(dataset_entries(data_dir, test_range='[0:6]'))
    models = [api_entry('chat', served.base_url, tiny_model, max_workers=4),
              api_entry('base', served.base_url, tiny_model, api_mode='completions',
                        stop_words=['\n'])]
    cfg = write_config(str(tmp_path / 'gen.py'), models, gen_ds)
    work = str(tmp_path / 'out')
    proc = run_cli(cfg, '-w', work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run = only_run(work)
    for model in ('chat', 'base'):
        preds = read_json(os.path.join(run, 'predictions', model, 'arith.json'))
        assert len(preds) == 6 and not any(r.get('failed') for r in preds.values())
        res = read_json(os.path.join(run, 'results', model, 'arith.json'))
        assert res['num_samples'] == 6 and res['num_failed'] == 0
        assert res['prompt_tokens'] > 0 and res['completion_tokens'] > 0
    first = read_json(os.path.join(run, 'predictions', 'chat', 'arith.json'))['0']
    assert first['origin_prompt'][0]['role'] == 'user' and first['usage']['prompt_tokens'] > 0
    rows = summary_csv(run)
    assert rows[0][-2:] == ['chat', 'base'] and rows[1][0] == 'arith'

    cfg = write_config(str(tmp_path / 'ppl.py'), models[:1], ppl_ds)
    proc = run_cli(cfg, '-w', str(tmp_path / 'out_ppl'))
    assert proc.returncode != 0
    log = open(glob.glob(str(tmp_path / 'out_ppl' / '*' / 'logs' / 'infer' / 'chat' /
                             'mc.out'))[0]).read()
    message = 'does not return prompt logprobs'
    assert message in log and "model 'chat' cannot run PPL datasets" in log
    assert message in proc.stdout + proc.stderr and 'Traceback' not in proc.stderr


def split_datasets(entries: str) -> tuple[str, str]:
    """``dataset_entries`` text -> (the gen dataset list, the PPL dataset list)."""
    head, tail = entries.split("    dict(abbr='mc'")
    return head + ']', "[\n    dict(abbr='mc'" + tail


def test_failures_tokens_ppl_and_secret_key(data_dir, tmp_path):
    """Faults are retried, one sample fails for good (counted, not silent), PPL via logprobs
    works, tokens are summed, and a literal key never lands on disk in clear."""
    secret = 'sk-test-7f3a9c1e55d2'
    faults = ['429', '500', 'garbage', '502', 'slow']
    with FakeOpenAI(faults=faults, retry_after=0.5, slow_seconds=3, key=secret,
                    fail_if=['What is 2 + 9?']) as fake:
        cfg = write_config(str(tmp_path / 'cfg.py'), [
            api_entry('api', fake.base_url, key=secret, timeout=1, retry=3)],
            dataset_entries(data_dir))
        work = str(tmp_path / 'out')
        proc = run_cli(cfg, '-w', work)
    run = only_run(work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    preds = read_json(os.path.join(run, 'predictions', 'api', 'arith.json'))
    failed = {k: r for k, r in preds.items() if r.get('failed')}
    assert len(failed) == 1 and 'HTTP 500' in next(iter(failed.values()))['error']
    res = read_json(os.path.join(run, 'results', 'api', 'arith.json'))
    assert res['num_failed'] == 1 and res['num_samples'] == 12
    assert res['score'] == pytest.approx(100 * 11 / 12)
    assert res['prompt_tokens'] > 0 and res['completion_tokens'] == 11
    mc = read_json(os.path.join(run, 'results', 'api', 'mc.json'))
    assert mc['accuracy'] == 100 and mc['num_failed'] == 0
    for path in glob.glob(os.path.join(run, '**', '*'), recursive=True):
        if os.path.isfile(path):
            assert secret not in open(path, errors='replace').read(), path
    assert secret not in proc.stdout + proc.stderr


def test_killed_run_never_pays_twice(data_dir, tmp_path):
    """Kill -9 after 5 answers: the resumed run asks only for what was not answered."""
    with FakeOpenAI(hang_after=5) as fake:
        ds = split_datasets(dataset_entries(data_dir))[0]
        cfg = write_config(str(tmp_path / 'cfg.py'), [api_entry('api', fake.base_url)], ds)
        work = str(tmp_path / 'out')
        kill_after_journal(cfg, work, 'predictions/api/.journal/*.jsonl', 6)  # header + 5
        answered_first = dict(fake.answered)
        assert sum(answered_first.values()) == 5
        fake.hang_after = None
        fake.release()
        second = run_cli(cfg, '-w', work, '-r')
    assert second.returncode == 0, second.stdout + second.stderr
    assert all(n == 1 for n in fake.answered.values()), fake.answered
    assert sum(fake.answered.values()) == 12
    run = only_run(work)
    preds = read_json(os.path.join(run, 'predictions', 'api', 'arith.json'))
    assert len(preds) == 12
    # every answer is the oracle's sum, scored right: none lost or garbled by the kill
    assert all(p['prediction'].strip() == p['gold'] for p in preds.values()), preds
    res = read_json(os.path.join(run, 'results', 'api', 'arith.json'))
    assert res['score'] == 100 and res['num_samples'] == 12
    assert [d['correct'] for d in res['details']] == [True] * 12


def test_unreachable_endpoint_is_one_readable_line(data_dir, tmp_path):
    from helpers import free_port
    url = f'http://127.0.0.1:{free_port()}/v1'  # nothing listens there
    ds = split_datasets(dataset_entries(data_dir, test_range='[0:3]'))[0]
    cfg = write_config(str(tmp_path / 'cfg.py'), [api_entry('api', url, retry=1)], ds)
    proc = run_cli(cfg, '-w', str(tmp_path / 'out'))
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f'cannot reach the API at {url}/chat/completions: connection refused' in out, out
    assert 'Traceback' not in out
