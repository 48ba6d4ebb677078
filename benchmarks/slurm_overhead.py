"""Slurm overhead: per-task submission latency and the makespan of 20 short tasks.

Needs a reachable cluster (``../shared/slurm/start-slurm.sh``; ``SLURM_CONF`` exported).

1. Per-task overhead: time from starting ``srun`` to the first line the task prints, against
   the same command started as a plain local subprocess (baseline measured in this run).
2. Makespan: 20 tasks that each sleep ``--task-seconds`` through :class:`SlurmRunner`, against
   the ideal ``ceil(20 / slots) * task_seconds`` where ``slots`` is the partition's CPUs:
   with the runner's default grouping (parts of one model share a job, as many jobs as the
   partition runs at once), and with one job per task (``tasks_per_job=1``: srun start-up
   and job tracking per task). ``--runs N`` repeats both, printing the load average each time.

Usage: ``python benchmarks/slurm_overhead.py [-p debug] [-n 10] [--tasks 20] [--runs 3]``
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, 'benchmarks')]


from opencompass.runners.slurm import SlurmRunner  # noqa: E402
from opencompass.runners.slurm_cmd import preflight  # noqa: E402
from opencompass.utils.logging import setup_logging  # noqa: E402

PRINT_TIME = 'import time; print(repr(time.time()), flush=True)'


def start_latency(argv: list[str]) -> float:
    """Seconds from launching ``argv`` to the time the started Python prints."""
    t0 = time.time()
    out = subprocess.run(argv, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1]) - t0


def slots(partition: str) -> int:
    out = subprocess.run(['sinfo', '-h', '-p', partition, '-o', '%C'], capture_output=True,
                         text=True, check=True)   # allocated/idle/other/total
    return max(1, int(out.stdout.split()[0].split('/')[3]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('-p', '--partition', default='debug')
    ap.add_argument('-n', '--repeats', type=int, default=10)
    ap.add_argument('--tasks', type=int, default=20)
    ap.add_argument('--task-seconds', type=float, default=2.0)
    ap.add_argument('--runs', type=int, default=1, help='makespan measurements of each mode')
    ap.add_argument('--scratch', default=os.path.join(ROOT, '.cache'),
                    help='shared by the driver and the jobs (default .cache/)')
    args = ap.parse_args()
    setup_logging('WARNING')
    os.makedirs(args.scratch, exist_ok=True)
    preflight(args.partition)

    py = [sys.executable, '-c', PRINT_TIME]
    local = [start_latency(py) for _ in range(args.repeats)]
    via = [start_latency(['srun', '-p', args.partition, '-N1', '-u', '-J', 'oc-bench', *py])
           for _ in range(args.repeats)]
    lm, sm = statistics.median(local), statistics.median(via)

    n_slots = slots(args.partition)
    os.environ['PYTHONPATH'] = os.pathsep.join(
        [os.path.join(ROOT, 'benchmarks'), os.environ.get('PYTHONPATH', '')]).rstrip(os.pathsep)
    ideal = math.ceil(args.tasks / n_slots) * args.task_seconds
    print(f'Slurm overhead on partition {args.partition!r} ({n_slots} slots)')
    print(f'{"measure":46} {"baseline":>10} {"slurm":>10} {"ratio":>8}')
    print(f'{"start latency, median of " + str(args.repeats) + " (s)":46} {lm:10.3f} '
          f'{sm:10.3f} {sm / lm:8.2f}')
    print(f'{"start latency overhead, median (s)":46} {"":10} {sm - lm:10.3f}', flush=True)
    for run in range(1, args.runs + 1):
        for label, per_job in (('grouped (default)', None), ('one job per task', 1),
                               ('bare srun sleep, no runner', 0)):
            span, ok, jobs, tail = (bare_srun(args, n_slots) if per_job == 0
                                    else makespan(args, n_slots, per_job))
            name = f'makespan, {args.tasks} x {args.task_seconds:g}s, {label} (s)'
            print(f'{name:46} {ideal:10.2f} {span:10.2f} {span / ideal:8.2f}   ok {ok}/'
                  f'{args.tasks}, {jobs} jobs, tail {tail:.2f} s, run {run}, load '
                  f'{os.getloadavg()[0]:.2f}', flush=True)
    print('baseline = local subprocess / ideal slot packing; tail = from the last task\'s '
          'end to launch() returning')


def bare_srun(args: argparse.Namespace, n_slots: int) -> tuple[float, int, int, float]:
    """The floor of one job per task: ``srun sleep`` from ``2 x slots`` threads, no runner."""
    import concurrent.futures as cf
    argv = ['srun', '-p', args.partition, '-N1', '-u', '-J', 'oc-bench-bare', 'sleep',
            f'{args.task_seconds:g}']
    t0 = time.time()
    with cf.ThreadPoolExecutor(n_slots * 2) as ex:
        codes = list(ex.map(lambda _: subprocess.run(argv, capture_output=True).returncode,
                            range(args.tasks)))
    return time.time() - t0, codes.count(0), args.tasks, 0.0


def makespan(args: argparse.Namespace, n_slots: int,
             per_job: int | None) -> tuple[float, int, int, float]:
    """``(seconds, tasks ok, Slurm jobs, tail)`` of one launch of the sleep tasks."""
    from fake_model import DoneSleepTask
    with tempfile.TemporaryDirectory(prefix='oc-bench-', dir=args.scratch) as tmp:
        run_dir = os.path.join(tmp, time.strftime('%Y%m%d_%H%M%S'))
        tasks = [DoneSleepTask({'models': [{'abbr': 'm'}], 'datasets': [[{'abbr': f'd{i}'}]],
                                'work_dir': run_dir, 'seconds': args.task_seconds})
                 for i in range(args.tasks)]
        runner = SlurmRunner(partition=args.partition, max_num_workers=n_slots * 2, retry=0,
                             tasks_per_job=per_job)
        t0 = time.time()
        statuses = runner.launch(tasks)
        t1 = time.time()
        ends = [os.path.getmtime(p) for t in tasks for p in t.output_paths()
                if os.path.exists(p)]
        with open(os.path.join(run_dir, 'status', 'slurm_jobs.jsonl')) as f:
            jobs = sum(1 for _ in f)
        return t1 - t0, sum(s.ok for s in statuses), jobs, t1 - max(ends, default=t1)


if __name__ == '__main__':
    main()
