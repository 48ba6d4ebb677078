"""Benchmark 4, makespan: 40 tasks of known, unequal cost on N slots of ``LocalRunner``.

Each task (``fake_model.SleepTask``) sleeps for its cost, so the figure is pure
scheduling and process overhead. The ideal is ``max(total cost / N, longest
task)``. Target: within 5 % of ideal. Also measured in the same run: the same
tasks with a new process per task (``reuse_workers=False``) and in the given
order (shortest first, the worst case), to show what each part of the design buys.
"""
from __future__ import annotations

import argparse
import os
import random
import time

from common import Row, env, main_table, scratch


def make_tasks(work: str, n: int, seed: int, scale: float) -> list:
    from fake_model import SleepTask
    rng = random.Random(seed)
    # shortest first: the worst order for the makespan, which longest-first must repair
    costs = sorted(int(scale * rng.choice([100, 200, 300, 500, 800, 1300, 2100]))
                   for _ in range(n))
    return [SleepTask({'models': [{'abbr': 'sleep', 'path': 'none'}],
                       'datasets': [[{'abbr': f't{i:02d}', 'part': [0, ms]}]],
                       'work_dir': work}) for i, ms in enumerate(costs)], costs


def lpt(costs: list[int], slots: int) -> float:
    """Makespan in seconds of longest-first list scheduling with zero overhead."""
    import heapq
    loads = [0] * slots
    for cost in sorted(costs, reverse=True):
        heapq.heapreplace(loads, loads[0] + cost)
    return max(loads) / 1000


def makespan(slots: int, reuse: bool, n: int, seed: int, scale: float,
             keep_order: bool = False) -> tuple[float, float]:
    """``(wall seconds, ideal seconds)`` of one launch of the sleep tasks."""
    from opencompass.runners import local
    work = scratch('makespan')
    tasks, costs = make_tasks(work, n, seed, scale)
    runner = local.LocalRunner(max_num_workers=slots, reuse_workers=reuse)
    weight = local.task_weight
    if keep_order:  # no longest-first: every task looks equally heavy
        local.task_weight = lambda task: 0
    try:
        started = time.perf_counter()
        statuses = runner.launch(tasks)
        wall = time.perf_counter() - started
    finally:
        local.task_weight = weight
    assert all(s.ok for s in statuses), [s for s in statuses if not s.ok][:1]
    ideal = max(sum(costs) / slots, max(costs)) / 1000
    return wall, ideal


def run(slots: int = 2, n: int = 40, seed: int = 0, scale: float = 1.0) -> list[Row]:
    os.environ.clear()
    os.environ.update(env())  # the workers inherit it
    _, costs = make_tasks(scratch('makespan'), n, seed, scale)
    ideal = max(sum(costs) / slots, max(costs)) / 1000
    rows = [Row('makespan', f'{n} tasks on {slots} slots: longest-first on paper (no overhead)',
                lpt(costs, slots), 's', 'ideal', ideal)]
    for label, reuse, keep in (('long-first, worker per slot (default)', True, False),
                               ('long-first, process per task', False, False),
                               ('given order (shortest first), worker per slot', True, True)):
        wall, ideal = makespan(slots, reuse, n, seed, scale, keep)
        default = reuse and not keep
        rows.append(Row('makespan', f'{n} tasks on {slots} slots: {label}', wall, 's',
                        'ideal', ideal, '<= 1.05x ideal' if default else '',
                        wall <= 1.05 * ideal if default else None))
    return rows


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--slots', type=int, default=2)
    ap.add_argument('--tasks', type=int, default=40)
    ap.add_argument('--scale', type=float, default=1.0, help='multiply every cost')
    args = ap.parse_args()
    main_table(run(args.slots, args.tasks, scale=args.scale))
