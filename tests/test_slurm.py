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
