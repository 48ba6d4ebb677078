"""Slurm command lines and pre-flight checks, against the real one-node cluster.

Golden ``srun`` lines with a stock srun (no ``--quotatype``) and with the vendor stand-in
``../shared/slurm/shim/srun`` (``--quotatype`` accepted), and one-line errors before any
job is submitted (unknown partition, no srun, unreachable cluster).
"""
from __future__ import annotations

import os
import shlex
import sys

import pytest
from helpers import dataset_entries, model_entry, run_cli, write_config
from slurm_cluster import shim_dir

from opencompass.errors import ConfigError
from opencompass.runners import SlurmRunner
from opencompass.runners import slurm_cmd as sc
from opencompass.tasks.openicl_infer import OpenICLInferTask

RUN_DIR = '/w/20260101_000000'
PREFIX = 'oc-20260101_000000-' + __import__('hashlib').sha1(RUN_DIR.encode()).hexdigest()[:6]


def _task(abbr: str = "my model's", num_gpus: int = 2) -> OpenICLInferTask:
    return OpenICLInferTask({'models': [{'abbr': abbr, 'path': 'x',
                                         'run_cfg': {'num_gpus': num_gpus}}],
                             'datasets': [[{'abbr': 'ds 1'}]], 'work_dir': RUN_DIR})


def _runner(**kw) -> SlurmRunner:
    return SlurmRunner(task={'type': 'OpenICLInferTask'}, **kw)


TASK_CMD = f'{shlex.quote(sys.executable)} -m opencompass.tasks ' \
           f'{RUN_DIR}/tasks/infer/my_model_s.ds_1.json'


def test_golden_srun_line_stock_srun(slurm):
    runner = _runner(partition='gpu', quotatype='spot', qos='high',
                     extra_command=['--exclusive', "--comment='eval run'"])
    assert runner.describe(_task()) == (
        f"srun -p gpu --qos=high --gres=gpu:2 --exclusive '--comment=eval run' -N1 -u "
        f"-J {PREFIX}-infer-my_model_s.ds_1 {TASK_CMD}")


def test_golden_srun_line_vendor_srun(slurm, monkeypatch):
    monkeypatch.setenv('PATH', shim_dir() + os.pathsep + os.environ['PATH'])
    assert sc.quotatype_supported()
    runner = _runner(partition='debug', quotatype='reserved')
    assert runner.describe(_task(num_gpus=0)) == (
        f'srun -p debug --quotatype=reserved -N1 -u -J {PREFIX}-infer-my_model_s.ds_1 '
        f'{TASK_CMD}')
    # no quota type asked: the documented default (auto) when srun supports it
    argv = shlex.split(_runner().describe(_task(num_gpus=1)))
    assert argv[:3] == ['srun', '--quotatype=auto', '--gres=gpu:1']


def test_golden_grouped_job_line(slurm):
    """Parts of one model share one job: one srun line running ``--batch LIST``.

    Shown failing before grouping existed: each part got its own line (``describe``)."""
    tasks = [OpenICLInferTask({'models': [{'abbr': 'm', 'path': 'x',
                                           'run_cfg': {'num_gpus': 1}}],
                               'datasets': [[{'abbr': f'ds_{i}'}]], 'work_dir': RUN_DIR})
             for i in range(3)]
    other = _task('n', num_gpus=0)
    runner = _runner(partition='gpu', qos='high', extra_command='--exclusive', tasks_per_job=3)
    name = f'{PREFIX}-infer-m.ds_0-x3'
    job = (f'srun -p gpu --qos=high --gres=gpu:1 --exclusive -N1 -u -J {name} '
           f'{shlex.quote(sys.executable)} -m opencompass.tasks --batch '
           f'{RUN_DIR}/tasks/infer/jobs/{name}.1.json')
    assert runner.describe_all([*tasks, other]) == [
        f'{job}   # part 1/3 of this job', f'{job}   # part 2/3 of this job',
        f'{job}   # part 3/3 of this job',
        f'srun -p gpu --qos=high --exclusive -N1 -u -J {PREFIX}-infer-n.ds_1 '
        f'{shlex.quote(sys.executable)} -m opencompass.tasks {RUN_DIR}/tasks/infer/n.ds_1.json']
    # default: groups sized to keep max_num_workers jobs busy; 1 = a job per task
    assert [len(g) for g in _runner(max_num_workers=2).groups([*tasks, other])] == [2, 1, 1]
    assert [len(g) for g in _runner(tasks_per_job=1).groups(tasks)] == [1, 1, 1]


def test_job_names_are_safe_unique_and_bounded():
    a = sc.job_name('/w/20260101_000000', 'infer', 'm.d')
    b = sc.job_name('/other/20260101_000000', 'infer', 'm.d')
    assert a != b and a.startswith('oc-20260101_000000-') and b.endswith('-infer-m.d')
    weird = sc.job_name(RUN_DIR, 'eval', "x'; rm -rf / #,y" + 'z' * 300)
    assert len(weird) <= 120 and all(c.isalnum() or c in '_.+-' for c in weird)
    assert shlex.split(shlex.join(['-J', weird])) == ['-J', weird]


def test_extra_command_forms_and_bad_quotatype():
    assert sc.normalize_extra('--mem=4G  -c 2') == ('--mem=4G', '-c', '2')
    assert sc.normalize_extra(['-c 2', '--exclusive']) == ('-c', '2', '--exclusive')
    with pytest.raises(ConfigError, match='quotatype'):
        _runner(quotatype='cheap')


def test_job_env_drops_outer_job_and_sets_gpus():
    env = sc.job_env(0, {'SLURM_JOB_ID': '7', 'CUDA_VISIBLE_DEVICES': '0,1', 'PATH': '/bin'})
    assert 'SLURM_JOB_ID' not in env and env['CUDA_VISIBLE_DEVICES'] == ''
    assert 'CUDA_VISIBLE_DEVICES' not in sc.job_env(2, {'CUDA_VISIBLE_DEVICES': '0'})


def _cfg(tmp_path, tiny_model, data_dir) -> str:
    return write_config(str(tmp_path / 'cfg.py'), [model_entry(tiny_model)],
                        dataset_entries(data_dir))


def test_dry_run_prints_exact_srun_lines(slurm, tmp_path, tiny_model, data_dir):
    cfg = _cfg(tmp_path, tiny_model, data_dir)
    work = str(tmp_path / 'out')
    proc = run_cli(cfg, '-p', 'debug', '-q', 'spot', '-w', work, '--dry-run', env=slurm.env)
    assert proc.returncode == 0, proc.stderr
    lines = [ln.strip()[2:] for ln in proc.stdout.splitlines() if ln.strip().startswith('$ ')]
    assert len(lines) == 3 and all(ln.startswith('srun -p debug -N1 -u -J oc-') for ln in lines)
    assert 'does not support --quotatype' in proc.stderr  # stock srun: said once
    assert proc.stderr.count('does not support') == 1
    shim = run_cli(cfg, '-p', 'gpu', '-q', 'spot', '-w', work, '--dry-run',
                   env={**slurm.env, 'PATH': shim_dir() + os.pathsep + os.environ['PATH']})
    assert shim.stdout.count('$ srun -p gpu --quotatype=spot -N1 -u -J oc-') == 3
    assert not os.path.exists(work)


def test_command_line_overrides_the_config_runner(slurm, tmp_path, tiny_model, data_dir):
    infer = ("dict(partitioner=dict(type=NaivePartitioner), runner=dict(type='SlurmRunner', "
             "partition='long', quotatype='reserved', qos='low', extra_command=['-c 2'], "
             "task=dict(type=OpenICLInferTask)))")
    cfg = write_config(str(tmp_path / 'cfg.py'), [model_entry(tiny_model)],
                       dataset_entries(data_dir), infer=infer)
    env = {**slurm.env, 'PATH': shim_dir() + os.pathsep + os.environ['PATH']}
    own = run_cli(cfg, '-w', str(tmp_path / 'out'), '-m', 'infer', '--dry-run', env=env)
    assert own.stdout.count('$ srun -p long --quotatype=reserved --qos=low -c 2 -N1 -u') == 2
    cli = run_cli(cfg, '-w', str(tmp_path / 'out'), '-m', 'infer', '--dry-run', '-p', 'gpu',
                  '-q', 'spot', '--qos', 'high', env=env)
    assert cli.stdout.count('$ srun -p gpu --quotatype=spot --qos=high -c 2 -N1 -u') == 2


def test_unknown_partition_fails_fast_with_one_message(slurm, tmp_path, tiny_model, data_dir):
    cfg = _cfg(tmp_path, tiny_model, data_dir)
    work = str(tmp_path / 'out')
    proc = run_cli(cfg, '-p', 'nosuchpart', '-w', work, env=slurm.env)
    assert proc.returncode != 0
    errors = [ln for ln in proc.stderr.splitlines() if 'nosuchpart' in ln]
    assert errors == ["error: Slurm partition 'nosuchpart' does not exist (available: debug, "
                      "gpu, long); fix -p or runner.partition"], proc.stderr
    assert 'Traceback' not in proc.stderr
    assert 'infer' not in os.listdir(os.path.join(work, os.listdir(work)[0], 'logs'))


def test_no_srun_or_no_cluster_is_one_clear_error(slurm, tmp_path, tiny_model, data_dir):
    cfg = _cfg(tmp_path, tiny_model, data_dir)
    no_srun = run_cli(cfg, '-p', 'debug', '-w', str(tmp_path / 'a'),
                      env={**slurm.env, 'PATH': os.path.dirname(sys.executable)})
    assert no_srun.returncode != 0
    assert "error: Slurm: 'srun' is not on PATH" in no_srun.stderr, no_srun.stderr
    bad_conf = tmp_path / 'slurm.conf'
    with open(slurm.conf) as f:
        text = f.read()
    bad_conf.write_text('\n'.join('SlurmctldPort=6999' if ln.startswith('SlurmctldPort=')
                                  else ln for ln in text.splitlines()) + '\n')
    down = run_cli(cfg, '-p', 'debug', '-w', str(tmp_path / 'b'),
                   env={**slurm.env, 'SLURM_CONF': str(bad_conf)})
    assert down.returncode != 0
    assert 'error: Slurm: cannot reach the cluster (sinfo: ' in down.stderr, down.stderr
    assert 'Unable to contact slurm controller' in down.stderr


def test_slurm_end_states_are_resubmitted_and_lost_jobs_stopped(tmp_path):
    """TIMEOUT / NODE_FAIL / PREEMPTED are retried (never a user error, even with srun exit 1);
    a job squeue stops listing is given up on: its srun is stopped, the job counts as LOST.
    (Shown failing before: srun exit 1 of a timed-out job was taken for a user error.)"""
    from opencompass.runners.base import USER_ERROR
    from opencompass.runners.progress import TaskProgress
    from opencompass.runners.slurm_watch import SlurmJob, job_failure

    task = _task(num_gpus=0)
    runner = _runner(retry=2)
    progress = TaskProgress([task], stream=open(os.devnull, 'w'))
    for state, word in (('TIMEOUT', 'time limit'), ('NODE_FAIL', 'lost its node'),
                        ('PREEMPTED', 'preempted'), ('CANCELLED', 'cancelled')):
        job = SlurmJob('j', ['srun'])
        job.returncode, job.state = 1, state
        code, error = job_failure(job)
        assert code != USER_ERROR and word in error and state in error
        status = runner._judge(task, job, str(tmp_path / 'log'))
        assert status.returncode == code
        assert runner.settle(task, status, 1, 3, progress) is False   # resubmitted
    done = SlurmJob('j', ['srun'])
    done.returncode, done.state = 1, 'FAILED'
    assert job_failure(done) is None                                 # a plain failure

    lost = SlurmJob('oc-x-lost', ['sleep', '60'])
    with open(os.devnull, 'w') as devnull:
        lost.submit(devnull, dict(os.environ))
    claimed: set[int] = set()
    lost.observe([sc.JobRow(41, 'oc-x-lost', 'RUNNING')], claimed, 3, 30.0)
    assert lost.job_id == 41 and lost.state == 'RUNNING' and claimed == {41}
    for _ in range(3):
        lost.observe([], claimed, 3, 30.0)
    assert lost.wait(30) is not None and lost.state == 'LOST'
    assert lost.final_state() == 'LOST' and 'no longer listed' in job_failure(lost)[1]


def _parts(n: int, rows: list[int] | None = None) -> list[OpenICLInferTask]:
    rows = rows or [10] * n
    return [OpenICLInferTask({'models': [{'abbr': 'm', 'path': 'x'}],
                              'datasets': [[{'abbr': f'd_{i}', 'part': [0, rows[i]]}]],
                              'work_dir': RUN_DIR}) for i in range(n)]


def test_default_grouping_makes_no_more_jobs_than_the_partition_runs_at_once(slurm):
    """20 parts, max_num_workers=4, on the 2-CPU test node: 2 jobs of 10 (one wave), not 4
    jobs of 5 that run in two waves, each paying a job start (the Slurm benchmark's tail).
    A job asking for 2 CPUs (``-c 2``) fits once: one job. Explicit ``tasks_per_job`` is kept.
    (Shown failing before: ``partition_slots`` did not exist and the plan was [5, 5, 5, 5]
    whatever the partition held; the benchmark's journal listed 4 jobs of 5.)"""
    assert sc.partition_slots('debug') == 2
    assert sc.partition_slots('gpu', gpus=2) == 2 and sc.partition_slots('gpu', gpus=3) == 1
    assert sc.partition_slots('nosuchpart') is None
    tasks = _parts(20)
    assert [len(g) for g in _runner(partition='debug', max_num_workers=4).groups(tasks)] == [10, 10]
    assert [len(g) for g in _runner(partition='debug', max_num_workers=4,
                                    extra_command='-c 2').groups(tasks)] == [20]
    assert [len(g) for g in _runner(partition='debug', max_num_workers=4,
                                    tasks_per_job=5).groups(tasks)] == [5, 5, 5, 5]


def test_parts_are_balanced_over_a_models_jobs():
    """Uneven parts (rows 10..1) in jobs of 5: longest first onto the least-loaded job gives
    loads 27 / 28 instead of 40 / 15, so the jobs end together.
    (Shown failing before: the heaviest five parts shared the first job.)"""
    from opencompass.runners.slurm_batch import plan_groups
    tasks = _parts(10, rows=list(range(10, 0, -1)))
    weights = [t.dataset_cfgs[0][0]['part'][1] for t in tasks]
    groups = plan_groups(tasks, range(10), 5, 2, weights)
    assert sorted(sum(weights[i] for i in g) for g in groups) == [27, 28]
    assert sorted(len(g) for g in groups) == [5, 5]
    assert sc.cpus_per_job(('--mem=4G', '-c', '4')) == 4 and sc.cpus_per_job(()) == 1
    assert sc.cpus_per_job(('--cpus-per-task=3',)) == 3 and sc.cpus_per_job(('-c2',)) == 2
