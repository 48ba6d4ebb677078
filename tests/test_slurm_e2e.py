"""``run.py -p PARTITION`` end to end on the real one-node Slurm cluster (../shared/slurm).

Jobs run the tiny real model, or ``slurm_cluster.ProbeModel`` (the same model plus hooks:
crash once, exit early once, hold, record the job's environment). GPUs are fake: the
cluster's gres are /dev/null links, so only the ``CUDA_VISIBLE_DEVICES`` Slurm sets is checked.
"""
from __future__ import annotations

import glob
import os
import signal
import time

import pytest
from helpers import (
    dataset_entries,
    follow_queue,
    model_entry,
    only_run,
    read_json,
    run_cli,
    start_cli,
    wait_for_run_dir,
    write_config,
)
from slurm_cluster import shim_dir

from opencompass.runners.slurm_cmd import run_prefix


def probe(path: str, abbr: str, **extra) -> str:
    opts = dict(abbr=abbr, path=path, max_out_len=6, batch_size=4, max_seq_len=256,
                torch_threads=1, run_cfg=dict(num_gpus=0))
    opts.update(extra)
    return f"dict(type='slurm_cluster.ProbeModel', **{opts!r})"


def slurm_infer(runner: str = 'SlurmRunner', **kw) -> str:
    opts = {'max_num_workers': 4, **kw}
    return (f"dict(partitioner=dict(type=NaivePartitioner), runner=dict(type={runner!r}, "
            f"task=dict(type=OpenICLInferTask), **{opts!r}))")


def arith_only(data_dir: str) -> str:
    return dataset_entries(data_dir) + '[:1]'


def assert_queue_empty(slurm, prefix: str, within: float = 5.0) -> None:
    deadline = time.time() + within
    while slurm.squeue(prefix) and time.time() < deadline:
        time.sleep(0.2)
    assert slurm.squeue(prefix) == []


def test_p_debug_gives_the_same_results_as_local(slurm, tmp_path, tiny_model, data_dir):
    cfg = write_config(str(tmp_path / 'cfg.py'), [model_entry(tiny_model)],
                       dataset_entries(data_dir))
    local, remote = str(tmp_path / 'local'), str(tmp_path / 'slurm')
    lp = run_cli(cfg, '-w', local)
    sp = run_cli(cfg, '-w', remote, '-p', 'debug', env=slurm.env)
    assert lp.returncode == 0, lp.stderr
    assert sp.returncode == 0, sp.stderr
    assert 'with SlurmRunner' in sp.stderr and 'with LocalRunner' in lp.stderr
    lrun, srun_ = only_run(local), only_run(remote)
    for kind in ('predictions', 'results'):
        for name in ('arith', 'mc'):
            a = read_json(os.path.join(lrun, kind, 'tiny', f'{name}.json'))
            b = read_json(os.path.join(srun_, kind, 'tiny', f'{name}.json'))
            assert a == b, (kind, name)
    log = open(os.path.join(srun_, 'logs', 'infer', 'tiny', 'arith.out')).read()
    assert log.startswith('===== attempt 1/3 ') and '$ srun -p debug ' in log
    assert os.path.isfile(os.path.join(srun_, 'logs', 'eval', 'tiny', 'mc.out'))
    assert slurm.squeue(run_prefix(srun_)) == []   # a normal finish leaves no job


def test_failed_and_incomplete_jobs_are_retried(slurm, tmp_path, tiny_model, data_dir):
    marks = tmp_path / 'marks'
    marks.mkdir()
    models = [probe(tiny_model, 'crash', crash_once=str(marks / 'crash')),
              probe(tiny_model, 'early', exit_once=str(marks / 'early')),
              probe(tiny_model, 'broken', always_fail=True)]
    cfg = write_config(str(tmp_path / 'cfg.py'), models, arith_only(data_dir),
                       infer=slurm_infer(max_num_workers=2))
    work = str(tmp_path / 'out')
    proc = run_cli(cfg, '-w', work, '-p', 'debug', '-m', 'infer', env=slurm.env)
    assert proc.returncode == 1, proc.stderr
    run = only_run(work)
    for abbr in ('crash', 'early'):
        assert len(read_json(os.path.join(run, 'predictions', abbr, 'arith.json'))) == 12
        log = open(os.path.join(run, 'logs', 'infer', abbr, 'arith.out')).read()
        assert '===== attempt 1/3' in log and '===== attempt 2/3' in log
        assert '===== attempt 3/3' not in log
    crash_log = open(os.path.join(run, 'logs', 'infer', 'crash', 'arith.out')).read()
    assert 'simulated crash on the first attempt' in crash_log      # attempt 1 kept
    early_log = open(os.path.join(run, 'logs', 'infer', 'early', 'arith.out')).read()
    assert 'exiting early with status 0' in early_log
    assert 'early' in proc.stderr and 'ended without writing all its outputs' in proc.stderr
    assert 'succeeded on attempt 2/3' in proc.stderr
    assert 'FAILED OpenICLInferTask[broken/arith]' in proc.stdout
    assert 'gave up after 3 attempt(s)' in proc.stdout
    broken_log = open(os.path.join(run, 'logs', 'infer', 'broken', 'arith.out')).read()
    assert broken_log.count('probe: always failing') >= 3
    assert slurm.squeue(run_prefix(run)) == []


def test_scancelled_job_is_retried_and_resumes(slurm, tmp_path, tiny_model, data_dir):
    record = str(tmp_path / 'record.txt')
    model = probe(tiny_model, 'slow', batch_size=1, sleep=0.5, record=record)
    cfg = write_config(str(tmp_path / 'cfg.py'), [model], arith_only(data_dir),
                       infer=slurm_infer())
    work = str(tmp_path / 'out')
    proc = start_cli(cfg, '-w', work, '-p', 'debug', '-m', 'infer', env=slurm.env)
    try:
        run = wait_for_run_dir(work)
        deadline = time.time() + 120
        while time.time() < deadline:   # let it journal a few samples first
            if os.path.exists(record) and open(record).read().count(' gen') >= 3:
                break
            time.sleep(0.1)
        job_id, _, _ = slurm.wait_for_job(run_prefix(run))
        slurm.scancel(job_id)          # what a preemption looks like to the runner
        out, err = proc.communicate(timeout=180)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert 'cancelled or preempted' in err
    preds = read_json(os.path.join(run, 'predictions', 'slow', 'arith.json'))
    assert sorted(preds, key=int) == [str(i) for i in range(12)]
    gens: dict[str, int] = {}
    for line in open(record).read().splitlines():
        job, what = line.split(' ', 1)
        if what == 'gen':
            gens[job] = gens.get(job, 0) + 1
    assert len(gens) == 2 and gens[job_id] >= 3
    second = [n for j, n in gens.items() if j != job_id][0]
    assert second < 12 and gens[job_id] + second <= 13   # resumed, not redone
    log = open(os.path.join(run, 'logs', 'infer', 'slow', 'arith.out')).read()
    assert '===== attempt 2/3' in log


@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM], ids=['SIGINT', 'SIGTERM'])
def test_interrupt_cancels_every_job_of_the_run(slurm, tmp_path, tiny_model, data_dir, sig):
    models = [probe(tiny_model, f'm{i}', hold=120, always_fail=True) for i in range(3)]
    cfg = write_config(str(tmp_path / 'cfg.py'), models, arith_only(data_dir),
                       infer=slurm_infer(retry=0))
    work = str(tmp_path / 'out')
    proc = start_cli(cfg, '-w', work, '-p', 'debug', '-m', 'infer', env=slurm.env)
    try:
        prefix = run_prefix(wait_for_run_dir(work))
        slurm.wait_for_job(prefix)
        deadline = time.time() + 30     # 2 CPUs: two run, the third waits in the queue
        while len(slurm.squeue(prefix)) < 3 and time.time() < deadline:
            time.sleep(0.2)
        assert len(slurm.squeue(prefix)) == 3
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert 'interrupted' in err and 'Traceback' not in err
    assert_queue_empty(slurm, prefix)


def test_gpu_tasks_see_the_gpus_slurm_gave_them(slurm, tmp_path, tiny_model, data_dir):
    # the probe records its environment, then fails on purpose: no model load needed here
    record = str(tmp_path / 'record.txt')
    model = probe(tiny_model, 'g', record=record, run_cfg=dict(num_gpus=2), hold=1,
                  always_fail=True)
    cfg = write_config(str(tmp_path / 'cfg.py'), [model], dataset_entries(data_dir),
                       infer=slurm_infer(retry=0))
    work = str(tmp_path / 'out')
    env = {**slurm.env, 'PATH': shim_dir() + os.pathsep + os.environ['PATH'],
           'CUDA_VISIBLE_DEVICES': '7'}   # the submitting shell's value must not leak in
    proc = run_cli(cfg, '-w', work, '-p', 'gpu', '-q', 'spot', '-m', 'infer', env=env)
    assert proc.returncode == 1 and proc.stdout.count('FAILED') == 2, proc.stderr
    starts = [ln.split(' ', 1)[1] for ln in open(record).read().splitlines() if ' start ' in ln]
    assert len(starts) == 2
    for line in starts:
        fields = dict(f.split('=', 1) for f in line.split()[1:])
        gpus = fields['CUDA_VISIBLE_DEVICES'].split(',')
        assert len(gpus) == 2 and set(gpus) <= {'0', '1', '2', '3'}, line
        assert fields['quotatype'] == 'spot'       # the vendor srun got --quotatype=spot
    run = only_run(work)
    log = open(glob.glob(os.path.join(run, 'logs', 'infer', 'g', '*.out'))[0]).read()
    assert '$ srun -p gpu --quotatype=spot --gres=gpu:2 -N1 -u -J ' in log


def test_sequential_runner_keeps_one_job_pending(slurm, tmp_path, tiny_model, data_dir):
    models = [probe(tiny_model, f'q{i}', hold=3, always_fail=True) for i in range(4)]
    cfg = write_config(str(tmp_path / 'cfg.py'), models, arith_only(data_dir),
                       infer=slurm_infer('SlurmSequentialRunner', retry=0))
    work = str(tmp_path / 'out')
    proc = start_cli(cfg, '-w', work, '-p', 'debug', '-m', 'infer', env=slurm.env)
    out, err, most_pending, seen = follow_queue(proc, work, slurm.squeue)
    assert proc.returncode == 1, err   # every probe fails on purpose, once
    assert most_pending <= 1 and len(seen) == 4
    assert out.count('FAILED') == 4
