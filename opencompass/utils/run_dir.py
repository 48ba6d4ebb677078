"""Run directories: ``WORKDIR/YYYYMMDD_HHMMSS``; pick the newest or a named one."""
from __future__ import annotations

import os
import re
import time

from ..errors import RunDirError

TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')


def list_runs(work_dir: str) -> list[str]:
    """Timestamps of the runs under ``work_dir``, oldest first (other names ignored)."""
    if not os.path.isdir(work_dir):
        return []
    return sorted(n for n in os.listdir(work_dir)
                  if TIMESTAMP.match(n) and os.path.isdir(os.path.join(work_dir, n)))


def new_timestamp(work_dir: str) -> str:
    """A fresh timestamp whose directory does not exist yet."""
    t = time.time()
    while True:
        stamp = time.strftime('%Y%m%d_%H%M%S', time.localtime(t))
        if not os.path.exists(os.path.join(work_dir, stamp)):
            return stamp
        t += 1


def resolve_reuse(work_dir: str, reuse: str | None) -> str | None:
    """The timestamp to reuse: ``'latest'`` -> newest (None when there is none)."""
    runs = list_runs(work_dir)
    if reuse == 'latest':
        return runs[-1] if runs else None
    if reuse not in runs:
        listing = ', '.join(runs[-10:]) if runs else 'none'
        raise RunDirError(f"-r {reuse}: no such run in '{work_dir}' (available: {listing})")
    return reuse
