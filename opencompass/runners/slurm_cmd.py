"""Talking to Slurm: the ``srun`` line (built here only), quota-type detection, pre-flight
checks, and listing / cancelling the jobs of one run.

Every function shells out to the Slurm client tools on ``PATH`` (``srun``, ``sinfo``,
``squeue``, ``scancel``); nothing here submits a job except the caller running the argv
from :func:`srun_argv`.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field

from ..errors import RunnerError
from ..utils.env import with_package_on_path
from ..utils.logging import get_logger

QUOTATYPES = ('reserved', 'auto', 'spot')
DEFAULT_QUOTATYPE = 'auto'
# variables that make srun attach to an outer allocation instead of creating a job
OUTER_JOB_VARS = ('SLURM_JOB_ID', 'SLURM_JOBID', 'SLURM_STEP_ID', 'SLURM_STEPID')
_JOB_NAME_MAX = 120

_quota_cache: dict[str, bool] = {}
_quota_said: set[str] = set()
_quota_lock = threading.Lock()


@dataclass(frozen=True)
class SrunOptions:
    """What every job of a runner asks Slurm for (besides its GPUs and name)."""

    partition: str | None = None
    quotatype: str | None = None   # None: 'auto' when supported, nothing otherwise
    qos: str | None = None
    extra: tuple[str, ...] = field(default_factory=tuple)


def srun_argv(opts: SrunOptions, job_name: str, num_gpus: int, command: list[str],
              quotatype_ok: bool, srun: str = 'srun') -> list[str]:
    """The one place the ``srun`` command line is built.

    ``srun [-p P] [--quotatype=Q] [--qos=QOS] [--gres=gpu:N] [EXTRA...] -N1 -u -J NAME CMD...``
    """
    argv = [srun]
    if opts.partition:
        argv += ['-p', opts.partition]
    quota = opts.quotatype or DEFAULT_QUOTATYPE
    if quotatype_ok:
        argv.append(f'--quotatype={quota}')
    if opts.qos:
        argv.append(f'--qos={opts.qos}')
    if num_gpus > 0:
        argv.append(f'--gres=gpu:{int(num_gpus)}')
    argv += list(opts.extra)
    argv += ['-N1', '-u', '-J', job_name]
    return argv + list(command)


def batch_command(list_file: str) -> list[str]:
    """What a job running several parts of one model runs (``tasks/batch.py``)."""
    import sys
    return [sys.executable, '-m', 'opencompass.tasks', '--batch', list_file]


def normalize_extra(extra: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``extra_command`` may be a list of options or one string (split like a shell)."""
    import shlex
    if not extra:
        return ()
    if isinstance(extra, str):
        return tuple(shlex.split(extra))
    out: list[str] = []
    for item in extra:
        out += shlex.split(str(item)) if ' ' in str(item).strip() else [str(item)]
    return tuple(out)


def run_prefix(run_dir: str) -> str:
    """``oc-TIMESTAMP-HASH``: shared by every job of one run directory, and only by them."""
    run_dir = os.path.abspath(run_dir)
    digest = hashlib.sha1(run_dir.encode()).hexdigest()[:6]
    stamp = re.sub(r'[^0-9_]', '', os.path.basename(run_dir))[:15] or 'run'
    return f'oc-{stamp}-{digest}'


def job_name(run_dir: str, stage: str, slug: str) -> str:
    """A Slurm job name unique to this run and task, safe for ``squeue -n`` and shells."""
    base = f'{run_prefix(run_dir)}-{stage}-'
    tail = re.sub(r'[^A-Za-z0-9_.+-]', '_', slug) or '_'
    room = _JOB_NAME_MAX - len(base)
    if len(tail) > room:
        tail = tail[:room - 9] + '-' + hashlib.sha1(slug.encode()).hexdigest()[:8]
    return base + tail


def find_srun(srun: str = 'srun') -> str | None:
    return shutil.which(srun)


def quotatype_supported(srun: str = 'srun') -> bool:
    """Whether this ``srun`` accepts ``--quotatype`` (vendor builds do, stock Slurm does not).

    Decided once per process and ``srun`` binary, without submitting a job: a vendor srun
    lists the option in ``--help``; otherwise ``srun --quotatype=auto --version`` parses
    options and exits (0 when the option is known, 255 ``unrecognized option`` when not).
    """
    path = find_srun(srun)
    if path is None:
        return False
    key = os.path.realpath(path) + '|' + path
    with _quota_lock:
        if key in _quota_cache:
            return _quota_cache[key]
        ok = _probe_quotatype(path)
        _quota_cache[key] = ok
        return ok


def _probe_quotatype(path: str) -> bool:
    try:
        out = subprocess.run([path, '--help'], capture_output=True, text=True, timeout=20)
        if 'quotatype' in out.stdout + out.stderr:
            return True
        out = subprocess.run([path, f'--quotatype={DEFAULT_QUOTATYPE}', '--version'],
                             capture_output=True, text=True, timeout=20,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0


def say_quotatype_once(opts: SrunOptions, supported: bool, srun: str = 'srun') -> None:
    """Tell the user, once per process, that ``--quotatype`` is left out on a stock srun."""
    if supported or srun in _quota_said:
        return
    _quota_said.add(srun)
    if opts.quotatype:
        get_logger().warning('this srun does not support --quotatype (stock Slurm); jobs are '
                             'submitted without --quotatype=%s', opts.quotatype)
    else:
        get_logger().info('srun has no --quotatype option (stock Slurm); submitting without '
                          'a quota type')


def preflight(partition: str | None, srun: str = 'srun', timeout: float = 20) -> list[str]:
    """Fail with one clear :class:`RunnerError` before any job when Slurm cannot work.

    Checks ``srun`` is on PATH, the controller answers ``sinfo``, and the partition exists.
    Returns the cluster's partitions.
    """
    if find_srun(srun) is None:
        raise RunnerError(f"Slurm: '{srun}' is not on PATH; install the Slurm client tools or "
                          'run without -p to use this machine')
    if shutil.which('sinfo') is None:
        raise RunnerError("Slurm: 'sinfo' is not on PATH; install the Slurm client tools")
    conf = os.environ.get('SLURM_CONF')
    if conf and not os.path.isfile(conf):
        raise RunnerError(f"Slurm: SLURM_CONF points at '{conf}', which does not exist")
    try:
        out = subprocess.run(['sinfo', '-a', '-h', '-o', '%P'], capture_output=True, text=True,
                             timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise RunnerError(f'Slurm: no answer from the cluster within {timeout:.0f} s (sinfo); '
                          'is slurmctld running and SLURM_CONF right?') from None
    if out.returncode != 0:
        why = _first_error_line(out.stderr) or f'exit {out.returncode}'
        raise RunnerError(f'Slurm: cannot reach the cluster (sinfo: {why}); check that '
                          'slurmctld is running and SLURM_CONF points at its slurm.conf')
    parts = [p.strip().rstrip('*') for p in out.stdout.split() if p.strip()]
    if partition and partition not in parts:
        raise RunnerError(f"Slurm partition '{partition}' does not exist (available: "
                          f"{', '.join(parts) or 'none'}); fix -p or runner.partition")
    return parts


def _first_error_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in lines:
        if 'error' in ln.lower():
            return ln[:300]
    return lines[0][:300] if lines else ''


# node states (sinfo %t) whose CPUs can take jobs now or once the running ones end
_USABLE_NODE_STATES = frozenset({'idle', 'mix', 'mixed', 'alloc', 'allocated', 'comp',
                                 'completing', 'plnd', 'planned'})


def cpus_per_job(extra: tuple[str, ...]) -> int:
    """CPUs one job asks for: ``-c N`` / ``--cpus-per-task=N`` among the extra options, else 1."""
    cpus = 1
    for i, opt in enumerate(extra):
        value = None
        if opt in ('-c', '--cpus-per-task') and i + 1 < len(extra):
            value = extra[i + 1]
        elif opt.startswith('--cpus-per-task='):
            value = opt.split('=', 1)[1]
        elif opt.startswith('-c') and opt[2:].isdigit():
            value = opt[2:]
        if value is not None and value.isdigit() and int(value) > 0:
            cpus = int(value)
    return cpus


def _gpus_of(gres: str) -> int:
    """GPUs in a node's ``Gres`` (``gpu:4``, ``gpu:a100:2(S:0-1),gpu:v100:1``, ``(null)``)."""
    total = 0
    for item in gres.split(','):
        fields = re.sub(r'\(.*?\)', '', item).split(':')
        if fields[0] == 'gpu' and len(fields) >= 2 and fields[-1].isdigit():
            total += int(fields[-1])
    return total


def partition_slots(partition: str | None, cpus: int = 1, gpus: int = 0,
                    timeout: float = 20) -> int | None:
    """How many jobs of ``cpus`` CPUs and ``gpus`` GPUs the partition's usable nodes hold at
    once (one ``sinfo`` call); ``None`` when sinfo does not answer."""
    argv = ['sinfo', '-h', '-N', '-o', '%N|%c|%G|%t|%P']
    if partition:
        argv[1:1] = ['-p', partition]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    slots, seen = 0, set()
    for line in out.stdout.splitlines():
        fields = line.strip().split('|')
        if len(fields) != 5 or fields[0] in seen or not fields[1].isdigit():
            continue
        if not partition and not fields[4].endswith('*'):   # no -p: the default partition
            continue
        seen.add(fields[0])
        if fields[3].rstrip('*~#!%$@^-') not in _USABLE_NODE_STATES or fields[3].endswith('*'):
            continue
        fit = int(fields[1]) // max(1, cpus)
        if gpus > 0:
            fit = min(fit, _gpus_of(fields[2]) // gpus)
        slots += fit
    return slots if seen else None


def list_jobs(prefix: str, names: list[str] | None = None) -> list[tuple[str, str, str]]:
    """``(job id, name, state)`` of queued/running jobs whose name starts with ``prefix``."""
    argv = ['squeue', '-h', '-o', '%i|%j|%T']
    if names:
        argv += ['-n', ','.join(names)]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return []
    jobs = []
    for line in out.stdout.splitlines():
        parts = line.strip().split('|')
        if len(parts) == 3 and parts[1].startswith(prefix):
            jobs.append((parts[0], parts[1], parts[2]))
    return jobs


# squeue states after which a job will not run again (what the runner does next is its call)
FINAL_STATES = frozenset({'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL',
                          'PREEMPTED', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE',
                          'SPECIAL_EXIT', 'REVOKED'})


@dataclass(frozen=True)
class JobRow:
    """One job as ``squeue -t all`` lists it."""

    job_id: int
    name: str
    state: str
    reason: str = ''


def query_jobs(prefix: str) -> list[JobRow] | None:
    """Every job (queued, running and recently ended: ``-t all``) whose name starts with
    ``prefix``, in one ``squeue`` call; ``None`` when squeue did not answer."""
    argv = ['squeue', '-h', '-t', 'all', '-o', '%i|%j|%T|%r']
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    rows = []
    for line in out.stdout.splitlines():
        parts = line.strip().split('|', 3)
        if len(parts) == 4 and parts[1].startswith(prefix) and parts[0].isdigit():
            rows.append(JobRow(int(parts[0]), parts[1], parts[2], parts[3]))
    return rows


def show_job_state(job_id: int) -> str | None:
    """``JobState`` of one job from ``scontrol show job`` (squeue may have dropped it;
    ``sacct`` needs accounting, which many clusters lack); ``None`` when unknown."""
    try:
        out = subprocess.run(['scontrol', '-o', 'show', 'job', str(job_id)], capture_output=True,
                             text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r'\bJobState=(\S+)', out.stdout)
    return m.group(1) if m and out.returncode == 0 else None


def settled_job_state(job_id: int, wait: float = 10.0) -> str | None:
    """The job's final state, asking ``scontrol`` again while it is still ``COMPLETING``
    (or ``RUNNING``) for up to ``wait`` s: right after a time limit kills it, srun exits
    while Slurm still says ``COMPLETING``, and only a moment later ``TIMEOUT``."""
    deadline = time.time() + wait
    while True:
        state = show_job_state(job_id)
        if state is None or state in FINAL_STATES or time.time() >= deadline:
            return state
        time.sleep(0.2)


def cancel_jobs(prefix: str) -> list[str]:
    """``scancel`` every job of this run (name starts with ``prefix``); returns their ids."""
    ids = [i for i, _, _ in list_jobs(prefix)]
    if ids:
        try:
            subprocess.run(['scancel', *ids], capture_output=True, timeout=30,
                           stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired):
            get_logger().warning('scancel %s failed; cancel them by hand', ' '.join(ids))
    return ids


def cancel_and_wait(prefix: str, deadline: float) -> None:
    """``scancel`` the jobs named ``prefix*`` until squeue drops them (or the deadline)."""
    while time.time() < deadline:
        if not list_jobs(prefix):
            return
        cancel_jobs(prefix)
        time.sleep(0.3)
    if list_jobs(prefix):
        get_logger().warning('some Slurm jobs of this run are still listed by squeue '
                             '(names start with %s)', prefix)


def job_env(num_gpus: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment ``srun`` passes on: no outer-job ids; GPUs only from Slurm."""
    env = dict(os.environ if base is None else base)
    for key in (*OUTER_JOB_VARS, 'OC_PARENT_PID'):   # a job's parent is not the runner
        env.pop(key, None)
    if num_gpus > 0:
        env.pop('CUDA_VISIBLE_DEVICES', None)   # Slurm sets it from --gres
    else:
        env['CUDA_VISIBLE_DEVICES'] = ''        # a CPU task must not grab unallocated GPUs
    return with_package_on_path(env)
