"""Jobs that Slurm itself ends, on the real one-node cluster (../shared/slurm): a job that
outlives its time limit (``TIMEOUT``) and a job whose node goes down (``NODE_FAIL``).

Both are resubmitted and resume: samples (or parts) already done are not recomputed, and
``status/slurm_jobs.jsonl`` records how each job really ended.

What Slurm 22.05 does here, seen on this cluster (not assumed):

* ``scontrol update NodeName=N State=DOWN`` while an ``srun`` job runs: the job ends at once
  as ``NODE_FAIL`` (reason ``NodeDown``), and ``srun`` prints ``Node failure on N`` but
  exits with status **0**. With ``ReturnToService=2`` (start-slurm.sh) the node, whose slurmd
  still answers, is back to ``idle`` within milliseconds, so ``State=RESUME`` afterwards is
  refused as an invalid transition; the test still restores the node in ``finally`` if it
  is not up. The job is not requeued (srun jobs never are).
* ``srun -t 1``: the limit is enforced by a check every ~30 s, so the job is killed between
  60 and ~95 s and ends as ``TIMEOUT``.

Shown failing before the fix: the NODE_FAIL test's first job was recorded as ``COMPLETED``
(srun's exit 0 was trusted although the job had not finished its parts); ``final_state`` now
asks Slurm whenever a job ends without all its work done.
"""
from __future__ import annotations

import glob
import json
import os
import subprocess
import time

import pytest
from helpers import only_run, read_json, run_cli, start_cli, wait_for_run_dir, write_config
from test_slurm_e2e import arith_only, probe, slurm_infer
from test_slurm_reuse import PARTS, arith_15, jobs_journal, part_logs, split_infer

from opencompass.runners.slurm_cmd import run_prefix


def gens_by_job(record: str) -> dict[str, int]:
    """``{SLURM_JOB_ID: samples generated}`` from a ProbeModel record file."""
    gens: dict[str, int] = {}
    for line in open(record).read().splitlines():
        job, what = line.split(' ', 1)
        if what == 'gen':
            gens[job] = gens.get(job, 0) + 1
    return gens


@pytest.mark.slow
def test_timed_out_job_is_resubmitted_and_resumes(slurm, tmp_path, tiny_model, data_dir):
    """``-t 1`` and a first attempt needing ~120 s (10 s per sample): Slurm ends the job as
    TIMEOUT after 60-95 s; the retry (fast: 0 s per sample) resumes from the journal."""
    record, marker = str(tmp_path / 'record.txt'), str(tmp_path / 'slow')
    model = probe(tiny_model, 'slow', batch_size=1, record=record, slow_once=marker,
                  slow_sleep=10)
    cfg = write_config(str(tmp_path / 'cfg.py'), [model], arith_only(data_dir),
                       infer=slurm_infer(extra_command=['-t', '1']))
    work = str(tmp_path / 'out')
    proc = run_cli(cfg, '-w', work, '-p', 'debug', '-m', 'infer', env=slurm.env, timeout=400)
    assert proc.returncode == 0, proc.stderr
    run = only_run(work)
    jobs = jobs_journal(run)
    assert [j['state'] for j in jobs] == ['TIMEOUT', 'COMPLETED'], jobs
    assert 'job hit its time limit (TIMEOUT' in proc.stderr
    log = open(os.path.join(run, 'logs', 'infer', 'slow', 'arith.out')).read()
    assert '===== attempt 2/3' in log and '-t 1' in log
    [rec] = [r for r in read_json(os.path.join(run, 'status', 'tasks.json'))
             if r['stage'] == 'infer']
    assert rec['attempts'] == 2 and rec['slurm']['job_state'] == 'COMPLETED'
    preds = read_json(os.path.join(run, 'predictions', 'slow', 'arith.json'))
    assert sorted(preds, key=int) == [str(i) for i in range(12)]
    gens = gens_by_job(record)
    first, second = str(jobs[0]['job_id']), str(jobs[1]['job_id'])
    assert set(gens) == {first, second} and gens[first] >= 5   # >= 60 s at 10 s a sample
    assert gens[first] + gens[second] <= 13                   # resumed, not redone
    assert slurm.squeue(run_prefix(run)) == []


def node_of(partition: str) -> str:
    out = subprocess.run(['sinfo', '-h', '-N', '-p', partition, '-o', '%N'], capture_output=True,
                         text=True, check=True, timeout=30)
    return out.stdout.split()[0]


def node_state(node: str) -> str:
    out = subprocess.run(['sinfo', '-h', '-N', '-n', node, '-o', '%t'], capture_output=True,
                         text=True, timeout=30)
    return out.stdout.split()[0] if out.stdout.split() else '?'


def restore_node(node: str) -> None:
    """Bring ``node`` back if it is not up (RESUME of an idle node is refused: ignored)."""
    if node_state(node).rstrip('*~#!%$@^-') in ('idle', 'mix', 'alloc', 'comp'):
        return
    subprocess.run(['scontrol', 'update', f'NodeName={node}', 'State=RESUME'],
                   capture_output=True, timeout=30)
    deadline = time.time() + 30
    while node_state(node).startswith(('down', 'drain')) and time.time() < deadline:
        time.sleep(0.2)


def test_node_failure_resubmits_the_unfinished_parts(slurm, tmp_path, tiny_model):
    """A 5-part job loses its node (``scontrol update State=DOWN``) after two parts: Slurm
    says NODE_FAIL (srun exits 0), the run records it and resubmits only the parts not done."""
    record = str(tmp_path / 'record.txt')
    model = probe(tiny_model, 'nf', batch_size=1, sleep=0.4, record=record)
    cfg = write_config(str(tmp_path / 'cfg.py'), [model], arith_15(tmp_path),
                       infer=split_infer('SlurmRunner', tasks_per_job=PARTS))
    work = str(tmp_path / 'out')
    node = node_of('debug')
    proc = start_cli(cfg, '-w', work, '-p', 'debug', '-m', 'infer', env=slurm.env)
    try:
        run = wait_for_run_dir(work)
        results = os.path.join(run, 'tasks', 'infer', 'jobs', '*.1.results.jsonl')
        deadline = time.time() + 180
        while time.time() < deadline:   # two parts done, the third one under way
            found = glob.glob(results)
            events = [json.loads(ln) for ln in open(found[0]) if ln.strip()] if found else []
            if sum('code' in e for e in events) >= 2 and sum('started' in e for e in events) >= 3:
                break
            time.sleep(0.1)
        slurm.wait_for_job(run_prefix(run))
        try:
            subprocess.run(['scontrol', 'update', f'NodeName={node}', 'State=DOWN',
                            'Reason=opencompass-lite test'], check=True, timeout=30)
            deadline = time.time() + 60
            while not os.path.exists(os.path.join(run, 'status', 'slurm_jobs.jsonl')) \
                    and time.time() < deadline:
                time.sleep(0.1)
        finally:
            restore_node(node)
        out, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
        restore_node(node)
    assert proc.returncode == 0, err
    jobs = jobs_journal(run)
    assert jobs[0]['state'] == 'NODE_FAIL' and jobs[0]['srun_exit'] == 0, jobs
    assert len(jobs[0]['parts']) == PARTS and jobs[-1]['state'] == 'COMPLETED'
    assert 'job lost its node (NODE_FAIL' in err
    events = [json.loads(ln) for ln in open(glob.glob(results)[0]) if ln.strip()]
    finished = {e['task_file'] for e in events if e.get('code') == 0}
    assert len(finished) >= 2
    second = json.load(open(glob.glob(os.path.join(run, 'tasks', 'infer', 'jobs',
                                                   '*.2.json'))[0]))
    resubmitted = {p['task_file'] for p in second['parts']}
    assert resubmitted and not resubmitted & finished
    assert len(resubmitted) == PARTS - len(finished)
    logs = part_logs(run, 'nf')
    assert sum('job lost its node (NODE_FAIL' in log for log in logs.values()) == 1
    paths = glob.glob(os.path.join(run, 'predictions', 'nf', '*.json'))
    assert sum(len(read_json(p)) for p in paths) == 15
    gens = gens_by_job(record)
    assert len(gens) == 2 and sum(gens.values()) <= 16          # resumed, not redone
    assert node_state(node).startswith(('idle', 'mix'))
    assert slurm.squeue(run_prefix(run)) == []
