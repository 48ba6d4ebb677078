"""Helpers for tests against the real one-node Slurm cluster of ``../shared/slurm``.

``find_cluster()`` says whether a cluster answers (and why not); ``SlurmCluster`` wraps the
client tools for assertions; ``ProbeModel`` is the tiny real model plus test hooks that run
inside the Slurm job (crash once, exit early once, sleep per sample, record what it saw).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, 'tests')
DEFAULT_CONF = '/tmp/slurm-ci/etc/slurm.conf'


def shared_dir() -> str:
    """``shared/`` beside the checkout (``/work/shared`` here, a copy in CI)."""
    return os.environ.get('OC_SHARED_DIR', os.path.join(os.path.dirname(ROOT), 'shared'))


def shim_dir() -> str:
    return os.path.join(shared_dir(), 'slurm', 'shim')


@dataclass
class SlurmCluster:
    """A reachable cluster: ``env`` is what a run.py subprocess needs to use it."""

    conf: str
    partitions: list[str]

    @property
    def env(self) -> dict[str, str]:
        return {'SLURM_CONF': self.conf, 'PYTHONPATH': TESTS}

    def squeue(self, name_prefix: str) -> list[tuple[str, str, str]]:
        """``(id, name, state)`` of listed jobs whose name starts with ``name_prefix``."""
        out = subprocess.run(['squeue', '-h', '-o', '%i|%j|%T'], capture_output=True,
                             text=True, timeout=30, env={**os.environ, 'SLURM_CONF': self.conf})
        rows = [ln.split('|') for ln in out.stdout.splitlines() if ln.count('|') == 2]
        return [(i, n, s) for i, n, s in rows if n.startswith(name_prefix)]

    def wait_for_job(self, name_prefix: str, state: str = 'RUNNING',
                     timeout: float = 60) -> tuple[str, str, str]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for job in self.squeue(name_prefix):
                if job[2] == state:
                    return job
            time.sleep(0.2)
        raise AssertionError(f'no {state} job named {name_prefix}* within {timeout}s')

    def scancel(self, job_id: str) -> None:
        subprocess.run(['scancel', job_id], check=True, timeout=30,
                       env={**os.environ, 'SLURM_CONF': self.conf})


def find_cluster() -> tuple[SlurmCluster | None, str]:
    """The cluster, or ``None`` and the reason none is reachable."""
    if shutil.which('srun') is None or shutil.which('sinfo') is None:
        return None, 'srun/sinfo not on PATH (apt-get install slurm-client; see .ci/run)'
    conf = os.environ.get('SLURM_CONF') or (DEFAULT_CONF if os.path.exists(DEFAULT_CONF)
                                            else '')
    env = {**os.environ, **({'SLURM_CONF': conf} if conf else {})}
    try:
        out = subprocess.run(['sinfo', '-h', '-o', '%P'], capture_output=True, text=True,
                             timeout=20, env=env)
    except subprocess.TimeoutExpired:
        return None, 'sinfo timed out: no Slurm controller answers'
    if out.returncode != 0:
        return None, ('no Slurm cluster reachable (start one with ../shared/slurm/start-slurm.sh'
                      f' and export SLURM_CONF): {out.stderr.strip()[:200]}')
    parts = [p.rstrip('*') for p in out.stdout.split()]
    return SlurmCluster(conf or env.get('SLURM_CONF', ''), parts), ''


def _load_base() -> Any:
    from opencompass.models.huggingface import HuggingFaceCausalLM
    return HuggingFaceCausalLM


class ProbeModel(_load_base()):
    """The tiny HF model with hooks driven by its config (all optional).

    ``record``: append ``JOBID CUDA_VISIBLE_DEVICES`` at start and ``JOBID gen`` per sample;
    ``crash_once``/``exit_once``: marker file; the first build raises / exits 0 silently;
    ``always_fail``: raise on every build; ``sleep``: seconds per generated sample;
    ``slow_once``/``slow_sleep``: marker file; the first build sleeps ``slow_sleep`` s per
    sample instead (a job that outlives its time limit, then a quick retry);
    ``hold``: seconds to wait before anything else (keeps a job busy without torch).
    GPUs are fake here (CPU-only machine): only the variable Slurm sets is checked.
    """

    def __init__(self, record: str = '', crash_once: str = '', exit_once: str = '',
                 always_fail: bool = False, sleep: float = 0.0, hold: float = 0.0,
                 slow_once: str = '', slow_sleep: float = 0.0, **kwargs: Any):
        job = os.environ.get('SLURM_JOB_ID', '-')
        self.record, self.sleep, self.job = record, float(sleep), job
        self._note(f"{job} start CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES')}"
                   f" quotatype={os.environ.get('SLURM_QUOTATYPE', '-')}")
        time.sleep(float(hold))
        if slow_once and not os.path.exists(slow_once):
            open(slow_once, 'w').close()
            self.sleep = float(slow_sleep)
        if always_fail:
            raise RuntimeError('probe: always failing')
        if crash_once and not os.path.exists(crash_once):
            open(crash_once, 'w').close()
            raise RuntimeError('probe: simulated crash on the first attempt')
        if exit_once and not os.path.exists(exit_once):
            open(exit_once, 'w').close()
            print('probe: exiting early with status 0', flush=True)
            os._exit(0)
        super().__init__(**kwargs)

    def _note(self, text: str) -> None:
        if self.record:
            with open(self.record, 'a') as f:
                f.write(text + '\n')

    def generate(self, inputs: list[str], max_out_len: int,
                 stop_words: list[str] | None = None) -> list[str]:
        for _ in inputs:
            self._note(f'{self.job} gen')
            time.sleep(self.sleep)
        return super().generate(inputs, max_out_len, stop_words)
