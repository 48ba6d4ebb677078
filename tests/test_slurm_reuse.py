"""Parts of one model in one Slurm job (model loaded once) and the run's job watcher, on the
real one-node cluster (../shared/slurm).

Shown failing before the feature: with ``tasks_per_job=1`` (one job per part, the old
behaviour) the first test counts 5 loads and 5 jobs instead of 1; the second test's
``scancel`` then resubmits one job per part, not one job with the unfinished parts, and
the sequential runner's journal lists 10 jobs, not 2.
"""
from __future__ import annotations

import glob
import json
import os
import subprocess
import time

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
    write_datasets,
)
from test_slurm_e2e import probe

from opencompass.runners.slurm_cmd import run_prefix
from opencompass.runners.slurm_watch import JobWatcher, SlurmJob

PARTS = 5


def split_infer(runner: str, **kw) -> str:
    """Arith (15 rows) cut into 5 parts of 3 rows, one task each."""
    opts = {'max_num_workers': 4, **kw}
    return ("dict(partitioner=dict(type=SizePartitioner, max_task_size=3, gen_task_coef=1, "
            f"strategy='split'), runner=dict(type={runner!r}, task=dict(type=OpenICLInferTask), "
            f"**{opts!r}))")


def arith_15(tmp_path) -> str:
    data = tmp_path / 'data15'
    data.mkdir()
    write_datasets(str(data), n_gen=15)
    return dataset_entries(str(data)) + '[:1]'


def tree(run_dir: str, kind: str) -> dict[str, bytes]:
    out = {}
    for path in sorted(glob.glob(os.path.join(run_dir, kind, '**', '*.json'), recursive=True)):
        with open(path, 'rb') as f:
            out[os.path.relpath(path, run_dir)] = f.read()
    return out


def jobs_journal(run_dir: str) -> list[dict]:
    with open(os.path.join(run_dir, 'status', 'slurm_jobs.jsonl')) as f:
        return [json.loads(line) for line in f]


def part_logs(run_dir: str, abbr: str) -> dict[str, str]:
    return {os.path.basename(p): open(p).read()
            for p in sorted(glob.glob(os.path.join(run_dir, 'logs', 'infer', abbr, '*.out')))}


def test_one_job_per_model_loads_it_once_and_matches_local(slurm, tmp_path, tiny_model):
    datasets = arith_15(tmp_path)
    model = [model_entry(tiny_model)]
    local_cfg = write_config(str(tmp_path / 'local.py'), model, datasets,
                             infer=split_infer('LocalRunner', max_num_workers=1))
    slurm_cfg = write_config(str(tmp_path / 'slurm.py'), model, datasets,
                             infer=split_infer('SlurmRunner', tasks_per_job=PARTS))
    local, remote = str(tmp_path / 'local'), str(tmp_path / 'slurm')
    lp = run_cli(local_cfg, '-w', local)
    sp = run_cli(slurm_cfg, '-w', remote, '-p', 'debug', env=slurm.env)
    assert lp.returncode == 0, lp.stderr
    assert sp.returncode == 0, sp.stderr
    lrun, srun_ = only_run(local), only_run(remote)
    for kind in ('predictions', 'results'):
        a, b = tree(lrun, kind), tree(srun_, kind)
        assert a and a == b, kind            # byte-identical files, same names
    logs = part_logs(srun_, 'tiny')
    assert len(logs) == PARTS
    text = ''.join(logs.values())
    assert text.count('loading model tiny') == 1, text
    assert text.count('reusing model tiny') == PARTS - 1
    assert all(t.startswith('===== attempt 1/3 ') and '--batch' in t for t in logs.values())
    infer_jobs = [j for j in jobs_journal(srun_) if '-infer-' in j['job']]
    assert len(infer_jobs) == 1 and len(infer_jobs[0]['parts']) == PARTS
    assert infer_jobs[0]['state'] == 'COMPLETED' and infer_jobs[0]['srun_exit'] == 0
    records = [r for r in read_json(os.path.join(srun_, 'status', 'tasks.json'))
               if r['stage'] == 'infer']
    assert len(records) == PARTS
    assert {r['slurm']['job'] for r in records} == {infer_jobs[0]['job']}
    assert {r['slurm']['job_state'] for r in records} == {'COMPLETED'}
    assert slurm.squeue(run_prefix(srun_)) == []


def test_scancelled_job_resubmits_only_unfinished_parts(slurm, tmp_path, tiny_model):
    record = str(tmp_path / 'record.txt')
    model = probe(tiny_model, 'slow', batch_size=1, sleep=0.4, record=record)
    cfg = write_config(str(tmp_path / 'cfg.py'), [model], arith_15(tmp_path),
                       infer=split_infer('SlurmRunner', tasks_per_job=PARTS))
    work = str(tmp_path / 'out')
    proc = start_cli(cfg, '-w', work, '-p', 'debug', '-m', 'infer', env=slurm.env)
    try:
        run = wait_for_run_dir(work)
        results = os.path.join(run, 'tasks', 'infer', 'jobs', '*.1.results.jsonl')
        deadline = time.time() + 180
        events: list[dict] = []
        while time.time() < deadline:   # two parts done, the third one under way
            found = glob.glob(results)
            if found:
                events = [json.loads(ln) for ln in open(found[0]) if ln.strip()]
                if sum('code' in e for e in events) >= 2 and \
                        sum('started' in e for e in events) >= 3:
                    break
            time.sleep(0.1)
        job_id, _, _ = slurm.wait_for_job(run_prefix(run))
        slurm.scancel(job_id)
        out, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert 'cancelled or preempted' in err
    events = [json.loads(ln) for ln in open(glob.glob(results)[0]) if ln.strip()]
    finished = {e['task_file'] for e in events if e.get('code') == 0}
    started = {e['task_file'] for e in events if e.get('started')}
    assert len(finished) >= 2
    jobs = jobs_journal(run)
    assert [j['state'] for j in jobs][:1] == ['CANCELLED'] and jobs[-1]['state'] == 'COMPLETED'
    assert len(jobs[0]['parts']) == PARTS
    second = json.load(open(glob.glob(os.path.join(run, 'tasks', 'infer', 'jobs',
                                                   '*.2.json'))[0]))
    resubmitted = {p['task_file'] for p in second['parts']}
    assert len(resubmitted) == PARTS - len(finished)      # only the unfinished parts
    assert not resubmitted & finished
    for name, log in part_logs(run, 'slow').items():
        task_file = os.path.join(run, 'tasks', 'infer', f"slow.{name[:-len('.out')]}.json")
        assert log.count('===== attempt 1/3') == 1, name
        if task_file in finished:
            assert '===== attempt 2/3' not in log, name
        elif task_file in started:        # cut short: its second attempt resumed it
            assert '===== attempt 2/3' in log and 'cancelled or preempted' in log, name
        else:                             # never ran in the first job: no attempt used
            assert '===== attempt 2/3' not in log, name
    paths = glob.glob(os.path.join(run, 'predictions', 'slow', '*.json'))
    assert sum(len(read_json(p)) for p in paths) == 15
    lines = open(record).read().splitlines()
    assert len([ln for ln in lines if ' start ' in ln]) == 2     # one load per job
    assert len([ln for ln in lines if ln.endswith(' gen')]) <= 16   # resumed, not redone
    assert slurm.squeue(run_prefix(run)) == []


def test_watcher_tracks_all_jobs_with_one_squeue_per_tick(slurm, tmp_path):
    prefix = f'oc-watchtest-{os.getpid()}-{int(time.time())}'
    jobs = [SlurmJob(f'{prefix}-{i}', ['srun', '-p', 'debug', '-N1', '-u', '-J',
                                        f'{prefix}-{i}', 'sleep', '3' if i else '60'])
            for i in range(3)]
    watcher = JobWatcher(prefix)
    env = {**os.environ, 'SLURM_CONF': slurm.conf}
    with open(os.devnull, 'w') as devnull:
        for job in jobs:
            job.submit(devnull, env)
            watcher.add(job)
        ticks = 0
        deadline = time.time() + 60
        while any(j.job_id is None for j in jobs) and time.time() < deadline:
            watcher.tick()
            ticks += 1
            time.sleep(0.2)
        assert watcher.calls == ticks      # one squeue call per tick, whatever the job count
        assert len({j.job_id for j in jobs}) == 3 and None not in {j.job_id for j in jobs}
        assert all(j.state in ('PENDING', 'RUNNING', 'COMPLETING') for j in jobs)
        slurm.wait_for_job(jobs[0].name)
        subprocess.run(['scancel', str(jobs[0].job_id)], check=True, env=env, timeout=30)
        for job in jobs:
            job.wait(120)
    assert jobs[0].final_state() == 'CANCELLED'
    assert [j.final_state() for j in jobs[1:]] == ['COMPLETED', 'COMPLETED']


def test_sequential_runner_groups_parts_too(slurm, tmp_path, tiny_model):
    """SlurmSequentialRunner: one job per model (5 parts each), at most one job pending."""
    models = [model_entry(tiny_model, 'sa'), model_entry(tiny_model, 'sb')]
    cfg = write_config(str(tmp_path / 'cfg.py'), models, arith_15(tmp_path),
                       infer=split_infer('SlurmSequentialRunner', tasks_per_job=PARTS))
    work = str(tmp_path / 'out')
    proc = start_cli(cfg, '-w', work, '-p', 'debug', '-m', 'infer', env=slurm.env)
    out, err, most_pending, seen = follow_queue(proc, work, slurm.squeue)
    assert proc.returncode == 0, err
    assert most_pending <= 1
    run = only_run(work)
    jobs = jobs_journal(run)
    assert len(jobs) == 2 and all(len(j['parts']) == PARTS for j in jobs)
    assert {j['state'] for j in jobs} == {'COMPLETED'}
    for abbr in ('sa', 'sb'):
        text = ''.join(part_logs(run, abbr).values())
        assert text.count(f'loading model {abbr}') == 1
        paths = glob.glob(os.path.join(run, 'predictions', abbr, '*.json'))
        assert sum(len(read_json(p)) for p in paths) == 15


def test_interrupt_cancels_a_grouped_job(slurm, tmp_path, tiny_model):
    """Ctrl-C while a 5-part job runs: exit 130, the job is cancelled, no part is left
    running or queued."""
    model = probe(tiny_model, 'held', hold=120)
    cfg = write_config(str(tmp_path / 'cfg.py'), [model], arith_15(tmp_path),
                       infer=split_infer('SlurmRunner', tasks_per_job=PARTS, retry=0))
    work = str(tmp_path / 'out')
    proc = start_cli(cfg, '-w', work, '-p', 'debug', '-m', 'infer', env=slurm.env)
    try:
        run = wait_for_run_dir(work)
        prefix = run_prefix(run)
        slurm.wait_for_job(prefix)
        proc.send_signal(2)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert 'Traceback' not in err
    deadline = time.time() + 60    # a bound for a hang, not a speed check
    while slurm.squeue(prefix) and time.time() < deadline:
        time.sleep(0.2)
    assert slurm.squeue(prefix) == []
    assert [j['state'] for j in jobs_journal(run)] == ['CANCELLED']
