"""Benchmark 1, CLI start: ``run.py --help`` and ``--dry-run`` against a bare Python start.

Targets: ``--help`` within 10x of ``python -c pass``; ``--dry-run`` under 1 s; no
torch/transformers (nor mmengine for a self-contained config) in the parent process.
"""
from __future__ import annotations

import argparse
import os
import subprocess

from common import (
    PY,
    RUN,
    Row,
    env,
    four_datasets,
    main_table,
    median_time,
    scratch,
    tiny_model,
    write_run_config,
)

HEAVY = ('torch', 'transformers', 'mmengine', 'numpy')


def imported_modules(cmd: list[str]) -> list[str]:
    """Top-level names of the modules ``cmd`` imports (from ``-X importtime``)."""
    proc = subprocess.run([cmd[0], '-X', 'importtime', *cmd[1:]], env=env(), text=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    mods = []
    for line in proc.stderr.splitlines():
        if line.startswith('import time:') and '|' in line and 'cumulative' not in line:
            mods.append(line.rsplit('|', 1)[1].strip())
    return mods


def run(n: int = 10) -> list[Row]:
    work = scratch('cli')
    data = os.path.join(work, 'data')
    os.makedirs(data)
    model = tiny_model()
    from helpers import model_entry
    cfg = write_run_config(os.path.join(work, 'cfg.py'),
                           [model_entry(model, 'tiny_a'), model_entry(model, 'tiny_b')],
                           four_datasets(data, 20))
    bare_cmd = [PY, '-c', 'pass']
    help_cmd = [PY, RUN, '--help']
    dry_cmd = [PY, RUN, cfg, '--dry-run', '-w', os.path.join(work, 'out')]
    bare = median_time(bare_cmd, n)
    helps = median_time(help_cmd, n)
    dry = median_time(dry_cmd, n)
    mods = {k: imported_modules(c) for k, c in
            (('bare', bare_cmd), ('help', help_cmd), ('dry', dry_cmd))}
    heavy = {k: sorted({m.split('.')[0] for m in v} & set(HEAVY)) for k, v in mods.items()}
    rows = [
        Row('cli_start', f'`run.py --help` wall (median of {n})', helps, 's',
            'python -c pass', bare, '<= 10x bare', helps <= 10 * bare),
        Row('cli_start', '`run.py CONFIG --dry-run` wall (2 models x 4 datasets)', dry, 's',
            'python -c pass', bare, '< 1 s', dry < 1.0),
        Row('cli_start', 'modules imported by --help', len(mods['help']), '',
            'python -c pass', len(mods['bare'])),
        Row('cli_start', 'modules imported by --dry-run', len(mods['dry']), '',
            'python -c pass', len(mods['bare'])),
        Row('cli_start', 'heavy modules ({}) in --help / --dry-run: {} / {}'.format(
            ', '.join(HEAVY), ', '.join(heavy['help']) or 'none',
            ', '.join(heavy['dry']) or 'none'), len(heavy['help']) + len(heavy['dry']), '',
            target='none', met=not heavy['help'] and not heavy['dry']),
    ]
    return rows


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('-n', type=int, default=10, help='runs per median (default 10)')
    main_table(run(ap.parse_args().n))
