"""End to end through ``run.py`` on a tiny real model: the tree, modes, reuse, failures."""
from __future__ import annotations

import os
import time

from helpers import (
    NAIVE,
    dataset_entries,
    model_entry,
    only_run,
    read_json,
    run_cli,
    runs,
    summary_csv,
    write_config,
)


def _config(tmp_path, tiny_model, data_dir, **kw) -> str:
    return write_config(str(tmp_path / 'cfg.py'), [model_entry(tiny_model)],
                        dataset_entries(data_dir), infer=kw.get('infer', NAIVE))


def test_all_writes_the_full_tree_and_summary(tmp_path, tiny_model, data_dir):
    cfg = _config(tmp_path, tiny_model, data_dir)
    work = str(tmp_path / 'out')
    proc = run_cli(cfg, '-w', work)
    assert proc.returncode == 0, proc.stderr
    run = only_run(work)
    for sub in ('configs', 'logs/infer/tiny', 'logs/eval/tiny', 'predictions/tiny',
                'results/tiny', 'summary'):
        assert os.path.isdir(os.path.join(run, sub)), sub
    preds = read_json(os.path.join(run, 'predictions/tiny/arith.json'))
    assert sorted(preds, key=int) == [str(i) for i in range(12)]
    assert all('prediction' in r and 'origin_prompt' in r for r in preds.values())
    mc = read_json(os.path.join(run, 'predictions/tiny/mc.json'))
    assert all(r['prediction'] in 'ABCD' and set(r['ppl']) == set('ABCD') for r in mc.values())
    result = read_json(os.path.join(run, 'results/tiny/mc.json'))
    correct = sum(r['prediction'] == r['gold'] for r in mc.values())
    assert result['accuracy'] == 100.0 * correct / 10
    assert len(result['details']) == 10
    rows = summary_csv(run)
    assert rows[0] == ['dataset', 'version', 'metric', 'mode', 'tiny']
    assert {r[0]: r[3] for r in rows[1:]} == {'arith': 'gen', 'mc': 'ppl'}
    assert float(rows[2][4]) == result['accuracy']
    assert 'accuracy' in proc.stdout
    assert os.path.isfile(os.path.join(run, 'logs/infer/tiny/arith.out'))
    # tokens of a local model, counted with its tokenizer (were missing: "unknown" in the report)
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(tiny_model)
    arith = read_json(os.path.join(run, 'results/tiny/arith.json'))
    assert arith['prompt_tokens'] == sum(len(tok(r['origin_prompt'])['input_ids'])
                                         for r in preds.values())
    assert all(1 <= r['usage']['completion_tokens'] <= 6 for r in preds.values())  # max_out_len
    assert arith['completion_tokens'] == sum(r['usage']['completion_tokens'] for r in preds.values())
    assert result['prompt_tokens'] == sum(len(tok(text)['input_ids']) for r in mc.values()
                                          for text in r['origin_prompt'].values())
    assert result['completion_tokens'] == 0


def test_infer_then_eval_then_viz_with_reuse(tmp_path, tiny_model, data_dir):
    cfg = _config(tmp_path, tiny_model, data_dir)
    work = str(tmp_path / 'out')
    assert run_cli(cfg, '-w', work, '-m', 'infer').returncode == 0
    run = only_run(work)
    assert os.path.exists(os.path.join(run, 'predictions/tiny/mc.json'))
    assert not os.path.exists(os.path.join(run, 'results'))
    proc = run_cli(cfg, '-w', work, '-m', 'eval', '-r')
    assert proc.returncode == 0, proc.stderr
    assert only_run(work) == run
    assert os.path.exists(os.path.join(run, 'results/tiny/mc.json'))
    os.rename(os.path.join(run, 'summary'), os.path.join(run, 'summary_old'))
    proc = run_cli(cfg, '-w', work, '-m', 'viz', '-r', os.path.basename(run))
    assert proc.returncode == 0, proc.stderr
    assert summary_csv(run)[1][4] != '-'


def test_reuse_redoes_only_the_deleted_prediction(tmp_path, tiny_model, data_dir):
    cfg = _config(tmp_path, tiny_model, data_dir)
    work = str(tmp_path / 'out')
    assert run_cli(cfg, '-w', work).returncode == 0
    run = only_run(work)
    kept = os.path.join(run, 'predictions/tiny/mc.json')
    kept_mtime = os.stat(kept).st_mtime_ns
    os.remove(os.path.join(run, 'predictions/tiny/arith.json'))
    time.sleep(0.01)
    proc = run_cli(cfg, '-w', work, '-r')
    assert proc.returncode == 0, proc.stderr
    assert os.path.exists(os.path.join(run, 'predictions/tiny/arith.json'))
    assert os.stat(kept).st_mtime_ns == kept_mtime
    assert 'infer: 1 task(s)' in proc.stderr


def test_debug_runs_in_process_with_live_output(tmp_path, tiny_model, data_dir):
    cfg = _config(tmp_path, tiny_model, data_dir)
    work = str(tmp_path / 'out')
    proc = run_cli(cfg, '-w', work, '--debug')
    assert proc.returncode == 0, proc.stderr
    assert 'in this process (--debug)' in proc.stderr
    assert 'loading model tiny' in proc.stderr
    run = only_run(work)
    assert os.path.exists(os.path.join(run, 'results/tiny/arith.json'))
    assert 'loading model tiny' in open(os.path.join(run, 'logs/infer/tiny/arith.out')).read()


def test_failing_model_fails_the_run_but_others_finish(tmp_path, tiny_model, data_dir):
    cfg = write_config(str(tmp_path / 'cfg.py'),
                       [model_entry(tiny_model),
                        model_entry(str(tmp_path / 'no-such-model'), abbr='broken')],
                       dataset_entries(data_dir), infer=NAIVE)
    work = str(tmp_path / 'out')
    proc = run_cli(cfg, '-w', work)
    assert proc.returncode != 0
    run = only_run(work)
    assert os.path.exists(os.path.join(run, 'results/tiny/mc.json'))
    assert not os.path.exists(os.path.join(run, 'predictions/broken/mc.json'))
    tail = proc.stdout.strip().splitlines()[-4:]
    assert any('FAILED' in ln and 'broken' in ln for ln in tail), proc.stdout
    assert any('logs/infer/broken/' in ln for ln in tail), proc.stdout
    assert 'does not exist' in open(os.path.join(run, 'logs/infer/broken/arith.out')).read()
    rows = summary_csv(run)
    assert rows[0][-1] == 'broken' and rows[1][-1] == '-'


def test_size_partitioner_splits_and_eval_merges_exactly(tmp_path, tiny_model, data_dir):
    infer = ("dict(partitioner=dict(type=SizePartitioner, max_task_size=100, gen_task_coef=20),"
             " runner=dict(type=LocalRunner, max_num_workers=2, task=dict(type=OpenICLInferTask)))")
    cfg = _config(tmp_path, tiny_model, data_dir, infer=infer)
    work = str(tmp_path / 'out')
    proc = run_cli(cfg, '-w', work)
    assert proc.returncode == 0, proc.stderr
    run = only_run(work)
    parts = sorted(f for f in os.listdir(os.path.join(run, 'predictions/tiny'))
                   if f.startswith('arith_'))
    assert parts == ['arith_0.json', 'arith_1.json', 'arith_2.json']
    merged = {}
    for p in parts:
        merged.update(read_json(os.path.join(run, 'predictions/tiny', p)))
    assert sorted(merged, key=int) == [str(i) for i in range(12)]
    result = read_json(os.path.join(run, 'results/tiny/arith.json'))
    assert result['num_samples'] == 12 and len(result['details']) == 12
    # a missing part is refused, not scored on fewer samples
    os.remove(os.path.join(run, 'predictions/tiny/arith_1.json'))
    os.remove(os.path.join(run, 'results/tiny/arith.json'))
    proc = run_cli(cfg, '-w', work, '-m', 'eval', '-r')
    assert proc.returncode != 0
    log = open(os.path.join(run, 'logs/eval/tiny/arith.out')).read()
    assert 'cover 7 of 12 samples (first missing: #5)' in log


def test_dry_run_runs_nothing(tmp_path, tiny_model, data_dir):
    cfg = _config(tmp_path, tiny_model, data_dir)
    work = str(tmp_path / 'out')
    proc = run_cli(cfg, '-w', work, '--dry-run')
    assert proc.returncode == 0, proc.stderr
    assert 'infer: 2 task(s) with LocalRunner' in proc.stdout
    assert '-m opencompass.tasks' in proc.stdout
    assert not os.path.exists(work)


def test_local_runner_ignores_partition_with_one_warning(tmp_path, tiny_model, data_dir):
    cfg = write_config(str(tmp_path / 'cfg.py'), [model_entry(tiny_model)],
                       dataset_entries(data_dir), infer=NAIVE,
                       eval_=NAIVE.replace('OpenICLInferTask', 'OpenICLEvalTask'))
    proc = run_cli(cfg, '-w', str(tmp_path / 'out'), '--dry-run', '-p', 'gpu')
    assert proc.returncode == 0
    assert proc.stderr.count('-p gpu is ignored') == 1
    proc = run_cli(cfg, '-w', str(tmp_path / 'out'), '--dry-run')
    assert 'ignored' not in proc.stderr


def test_reuse_latest_picks_newest_timestamp(tmp_path, tiny_model, data_dir):
    cfg = _config(tmp_path, tiny_model, data_dir)
    work = tmp_path / 'out'
    for name in ('20230101_000000', '20240101_000000', 'zzz_not_a_run'):
        (work / name).mkdir(parents=True)
    proc = run_cli(str(cfg), '-w', str(work), '-r', '--dry-run')
    assert 'out/20240101_000000' in proc.stdout
    assert runs(str(work)) == ['20230101_000000', '20240101_000000']


def test_runs_from_any_directory(tmp_path, tiny_model, data_dir):
    """Task processes import this package even when run.py is called from elsewhere."""
    cfg = _config(tmp_path, tiny_model, data_dir)
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    proc = run_cli(cfg, '-w', 'out', '-m', 'infer', cwd=str(elsewhere))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run = only_run(str(elsewhere / 'out'))
    assert os.path.exists(os.path.join(run, 'predictions/tiny/arith.json'))
