"""Shared helpers of the benchmarks: timing, the tiny model, configs, result rows.

Every benchmark returns :class:`Row` s: one figure, the baseline it is compared
with, their ratio and the target. Baselines are measured in the same run; the one
exception (OpenCompass's own overhead, which needs OpenCompass installed) is a
figure quoted from an earlier measurement, and its name says so. ``run_all.py``
prints them all in one table.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, 'benchmarks')
PY = sys.executable
RUN = os.path.join(ROOT, 'run.py')
sys.path[:0] = [ROOT, os.path.join(ROOT, 'tests'), BENCH]


@dataclass
class Row:
    """One figure of a benchmark, next to its baseline and target."""

    bench: str
    figure: str
    value: float
    unit: str
    baseline_name: str = ''
    baseline: float | None = None
    target: str = ''
    met: bool | None = None

    @property
    def ratio(self) -> str:
        if self.baseline in (None, 0):
            return ''
        return f'{self.value / self.baseline:.2f}x'

    def cells(self) -> list[str]:
        base = f'{self.baseline_name} {fmt(self.baseline, self.unit)}' if self.baseline_name else ''
        met = '' if self.met is None else ('yes' if self.met else 'NO')
        return [self.bench, self.figure, fmt(self.value, self.unit), base, self.ratio,
                self.target, met]


HEADERS = ['benchmark', 'figure', 'value', 'baseline (same run unless quoted)', 'ratio', 'target', 'met']


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return ''
    if unit == 's':
        return f'{value:.3f} s' if value < 10 else f'{value:.1f} s'
    if unit == '':
        return f'{value:g}'
    return f'{value:g} {unit}'


def table(rows: Sequence[Row]) -> str:
    from tabulate import tabulate
    return tabulate([r.cells() for r in rows], headers=HEADERS, tablefmt='github')


def env() -> dict[str, str]:
    """Environment for child processes: this checkout and ``benchmarks/`` importable."""
    e = dict(os.environ)
    e['PYTHONPATH'] = os.pathsep.join([ROOT, BENCH] + [p for p in [e.get('PYTHONPATH')] if p])
    e.pop('CUDA_VISIBLE_DEVICES', None)
    # what users have: byte-code caching (kept out of the tree)
    e.pop('PYTHONDONTWRITEBYTECODE', None)
    e.setdefault('PYTHONPYCACHEPREFIX', os.path.join(tempfile.gettempdir(), 'oc-bench-pycache'))
    return e


def timed(cmd: Sequence[str], cwd: str | None = None, check: bool = True) -> float:
    """Wall time of one run of ``cmd`` (output discarded)."""
    return measured(cmd, cwd, check)[0]


def children_cpu() -> float:
    """CPU seconds (user + system) used so far by this process's finished children."""
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measured(cmd: Sequence[str], cwd: str | None = None, check: bool = True
             ) -> tuple[float, float]:
    """``(wall, cpu)`` seconds of one run of ``cmd`` and all its descendants.

    CPU time barely moves when other people load the machine; wall time does.
    """
    cpu0, started = children_cpu(), time.perf_counter()
    proc = subprocess.run(list(cmd), cwd=cwd or ROOT, env=env(), capture_output=True,
                          text=True)
    took, cpu = time.perf_counter() - started, children_cpu() - cpu0
    if check and proc.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}')
    return took, cpu


def median_time(cmd: Sequence[str], n: int = 10, cwd: str | None = None) -> float:
    return statistics.median(timed(cmd, cwd) for _ in range(n))


def tiny_model() -> str:
    """The 2-layer Llama of the tests (built locally once, cached in .cache/)."""
    from tiny_model import build_tiny_model
    return build_tiny_model(os.path.join(ROOT, '.cache', 'tiny-llama-v1'))


def scratch(name: str) -> str:
    """A temporary directory, removed when the benchmark exits (``OC_BENCH_KEEP=1`` keeps it)."""
    import atexit
    import shutil
    path = tempfile.mkdtemp(prefix=f'oc-bench-{name}-')
    if not os.environ.get('OC_BENCH_KEEP'):
        atexit.register(shutil.rmtree, path, True)
    return path


def four_datasets(data_dir: str, rows: int) -> str:
    """Config text of 4 datasets (2 generation, 2 multiple choice) of ``rows`` rows each."""
    from helpers import dataset_entries, write_datasets
    write_datasets(data_dir, n_gen=rows, n_mc=rows)
    one = dataset_entries(data_dir)
    two = one.replace("abbr='arith'", "abbr='arith2'").replace("abbr='mc'", "abbr='mc2'")
    return f'{one} + {two}'


def write_run_config(path: str, models: list[str], datasets: str, infer: str | None = None,
                     eval_: str | None = None) -> str:
    from helpers import write_config
    return write_config(path, models, datasets, infer=infer, eval_=eval_)


def count_log_lines(run_dir: str, needle: str) -> dict[str, int]:
    """``{model: n}``: lines containing ``needle`` in ``logs/infer/MODEL/*.out``."""
    counts: dict[str, int] = {}
    root = os.path.join(run_dir, 'logs', 'infer')
    for model in sorted(os.listdir(root)):
        n = 0
        for name in os.listdir(os.path.join(root, model)):
            with open(os.path.join(root, model, name), encoding='utf-8', errors='replace') as f:
                n += sum(needle in line for line in f)
        counts[model] = n
    return counts


def only_run(work_dir: str) -> str:
    runs = sorted(d for d in os.listdir(work_dir) if d[:8].isdigit())
    return os.path.join(work_dir, runs[-1])


def main_table(rows: Sequence[Row]) -> None:
    print(table(rows), flush=True)
