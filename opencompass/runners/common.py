"""Helpers every runner uses: which task to start first, what a failed task's log says."""
from __future__ import annotations

from ..tasks.base import BaseTask


def task_weight(task: BaseTask) -> int:
    """A rough cost used to start big tasks first (rows of its datasets or parts)."""
    total = 0
    for ds in task.dataset_cfgs:
        for d in ds:
            part = d.get('part')
            total += (part[1] - part[0]) if part else 1000
    return total


def last_error_line(log_path: str, limit: int = 300) -> str:
    """The most telling line of a failed task's log (its last 'error:' line, or last line)."""
    try:
        with open(log_path, encoding='utf-8', errors='replace') as f:
            lines = [ln.rstrip() for ln in f.readlines()[-200:] if ln.strip()]
    except OSError:
        return ''
    for line in reversed(lines):
        if line.startswith('error:') or 'Error:' in line:
            return line[:limit]
    return lines[-1][:limit] if lines else ''
