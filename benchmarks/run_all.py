"""Run every benchmark and print one table: each figure, its same-run baseline, its target.

``python benchmarks/run_all.py`` (or ``make bench``) takes a few minutes on 2 cores.
``--quick`` shrinks every benchmark (fewer repeats, fewer rows) for a smoke test.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cli_start  # noqa: E402
import makespan  # noqa: E402
import model_loads  # noqa: E402
import overhead  # noqa: E402
import reuse  # noqa: E402
from common import Row, table  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--quick', action='store_true', help='smaller, faster runs (smoke test)')
    ap.add_argument('--only', nargs='+', metavar='NAME',
                    choices=['cli_start', 'overhead', 'reuse', 'makespan', 'model_loads'])
    args = ap.parse_args()
    q = args.quick
    plan = [
        ('cli_start', lambda: cli_start.run(n=3 if q else 10)),
        ('reuse', lambda: reuse.run(n=3 if q else 5)),
        ('makespan', lambda: makespan.run(scale=0.3 if q else 1.0)),
        ('model_loads', lambda: model_loads.run()),
        ('overhead', lambda: overhead.run(rows=10 if q else 50, workers=(1,) if q else (1, 2))),
    ]
    rows: list[Row] = []
    started = time.time()
    for name, bench in plan:
        if args.only and name not in args.only:
            continue
        t0 = time.time()
        print(f'running {name} ...', file=sys.stderr, flush=True)
        rows += bench()
        print(f'  {name} took {time.time() - t0:.0f} s', file=sys.stderr, flush=True)
    print(table(rows))
    load = os.getloadavg()[0] if hasattr(os, 'getloadavg') else float('nan')
    print(f'\n{os.cpu_count()} CPUs, load average {load:.1f} at the end; '
          f'all benchmarks took {time.time() - started:.0f} s')
    return 0 if all(r.met is not False for r in rows) else 1


if __name__ == '__main__':
    sys.exit(main())
