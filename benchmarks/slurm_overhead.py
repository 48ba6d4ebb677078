"""Slurm overhead: per-task submission latency and the makespan of 20 short tasks.

Needs a reachable cluster (``../shared/slurm/start-slurm.sh``; ``SLURM_CONF`` exported).

1. Per-task overhead: time from starting ``srun`` to the first line the task prints, against
   the same command started as a plain local subprocess (baseline measured in this run).
2. Makespan: 20 tasks that each sleep ``--task-seconds`` through :class:`SlurmRunner`, against
   the ideal ``ceil(20 / slots) * task_seconds`` where ``slots`` is the partition's CPUs.

Usage: ``python benchmarks/slurm_overhead.py [-p debug] [-n 10] [--tasks 20]``
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
sys.path.insert(0, ROOT)

from fake_model import SleepTask  # noqa: E402

from opencompass.runners.slurm import SlurmRunner  # noqa: E402
from opencompass.runners.slurm_cmd import preflight  # noqa: E402
from opencompass.utils.logging import setup_logging  # noqa: E402

PRINT_TIME = 'import time; print(repr(time.time()), flush=True)'


class BareSleepTask(SleepTask):
    """The shared sleep task, started as a bare ``python -c`` (nothing imported), so the
    makespan measures Slurm and the runner, not Python start-up."""

    def command(self) -> list[str]:
        out = self.output_paths()[0]
        code = (f'import os, time; time.sleep({self.seconds()}); '
                f'os.makedirs({os.path.dirname(out)!r}, exist_ok=True); open({out!r}, "w")')
        return [sys.executable, '-c', code]


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
    args = ap.parse_args()
    setup_logging('WARNING')
    preflight(args.partition)

    py = [sys.executable, '-c', PRINT_TIME]
    local = [start_latency(py) for _ in range(args.repeats)]
    via = [start_latency(['srun', '-p', args.partition, '-N1', '-u', '-J', 'oc-bench', *py])
           for _ in range(args.repeats)]
    lm, sm = statistics.median(local), statistics.median(via)

    n_slots = slots(args.partition)
    with tempfile.TemporaryDirectory(prefix='oc-bench-') as tmp:
        run_dir = os.path.join(tmp, time.strftime('%Y%m%d_%H%M%S'))
        tasks = [BareSleepTask({'models': [{'abbr': 'm'}], 'datasets': [[{'abbr': f'd{i}'}]],
                                'work_dir': run_dir, 'seconds': args.task_seconds})
                 for i in range(args.tasks)]
        runner = SlurmRunner(partition=args.partition, max_num_workers=n_slots * 2, retry=0,
                             poll_interval=0.1)
        t0 = time.time()
        statuses = runner.launch(tasks)
        makespan = time.time() - t0
    ok = sum(s.ok for s in statuses)
    ideal = math.ceil(args.tasks / n_slots) * args.task_seconds

    print(f'Slurm overhead on partition {args.partition!r} ({n_slots} slots)')
    print(f'{"measure":42} {"baseline":>10} {"slurm":>10} {"ratio":>8}')
    print(f'{"start latency, median of " + str(args.repeats) + " (s)":42} {lm:10.3f} '
          f'{sm:10.3f} {sm / lm:8.2f}')
    print(f'{"start latency overhead, median (s)":42} {"":10} {sm - lm:10.3f}')
    print(f'{f"makespan of {args.tasks} x {args.task_seconds:g}s tasks (s)":42} {ideal:10.2f} '
          f'{makespan:10.2f} {makespan / ideal:8.2f}')
    print(f'tasks ok: {ok}/{args.tasks}; baseline = local subprocess / ideal slot packing')


if __name__ == '__main__':
    main()
