"""``RunNotifier``: the Lark messages of a run (launched, stage finished, finished).

Built only when ``-l`` is given and the config sets ``lark_bot_url``; every method
returns at once (delivery happens in the background, see :mod:`.lark`).
"""
from __future__ import annotations

import getpass
import os
import socket
from typing import Any

from ..utils.logging import get_logger
from ..utils.redaction import scrub
from .lark import LarkReporter

TOP_ROWS = 15       # summary rows shown in the final message
MAX_FAILED = 10     # failed tasks listed per message


def who() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        user = str(os.getuid()) if hasattr(os, 'getuid') else 'unknown'
    return f'{user}@{socket.gethostname()}'


class RunNotifier:
    """Formats run events as Lark ``post`` messages."""

    def __init__(self, reporter: LarkReporter, name: str):
        self.reporter = reporter
        self.name = name
        self.launched_sent = False

    @classmethod
    def from_config(cls, cfg: dict[str, Any], enabled: bool, name: str) -> RunNotifier | None:
        url = cfg.get('lark_bot_url')
        if not enabled:
            return None
        if not url:
            get_logger().warning('-l: lark_bot_url is not set in the config, nothing is posted '
                                 '(see configs/lark.py)')
            return None
        timeout = float(os.environ.get('OC_LARK_TIMEOUT', 5))
        reporter = LarkReporter(str(url), cfg.get('lark_bot_secret') or None, timeout=timeout,
                                drain_timeout=max(3 * timeout, 5.0))
        return cls(reporter, name)

    def launched(self, config: str, run_dir: str, mode: str, n_models: int, n_datasets: int,
                 stage: str | None = None, n_tasks: int = 0) -> None:
        if self.launched_sent:
            return
        self.launched_sent = True
        lines = [f'who: {who()}', f'config: {os.path.abspath(config)}', f'run dir: {run_dir}',
                 f'mode: {mode}; {n_models} model(s) x {n_datasets} dataset(s)']
        if stage:
            lines.append(f'{stage}: {n_tasks} task(s) to run')
        self.reporter.post(f'[{self.name}] run launched', lines)

    def stage_finished(self, stage: str, statuses: list[Any], seconds: float) -> None:
        failed = [s for s in statuses if not s.ok]
        ok = len(statuses) - len(failed)
        mark = 'FAILED' if failed else 'done'
        lines = [f'{stage}: {ok} succeeded, {len(failed)} failed '
                 f'({len(statuses)} task(s), {seconds:.0f}s)']
        lines += _failed_lines(failed)
        self.reporter.post(f'[{self.name}] {stage} {mark}', lines)

    def finished(self, seconds: float, failed: list[Any], table: list[str],
                 summary_dir: str | None, report: str | None, error: str = '') -> None:
        if error:
            title = f'[{self.name}] run stopped'
            lines = [f'stopped after {seconds:.0f}s: {scrub(error)[:300]}']
        else:
            title = f'[{self.name}] run finished' + (' with failures' if failed else '')
            lines = [f'finished in {seconds:.0f}s; {len(failed)} task(s) failed']
        if table:
            lines.append('summary:')
            lines += [f'  {row}' for row in table[:TOP_ROWS]]
            if len(table) > TOP_ROWS:
                lines.append(f'  ... {len(table) - TOP_ROWS} more row(s)')
        if summary_dir:
            lines.append(f'full summary: {summary_dir}')
        if report:
            lines.append(f'report: {report}')
        lines += _failed_lines(failed)
        self.reporter.post(title, lines)

    def close(self) -> None:
        self.reporter.close()


def _failed_lines(failed: list[Any]) -> list[str]:
    lines = []
    for s in failed[:MAX_FAILED]:
        reason = f': {scrub(s.error)}' if getattr(s, 'error', '') else ''  # scrub, then cut
        lines.append(f'FAILED {s.name} (exit {s.returncode}){reason[:300]}')
        lines.append(f'  log: {s.log_path}')
    if len(failed) > MAX_FAILED:
        lines.append(f'... and {len(failed) - MAX_FAILED} more failed task(s)')
    return lines


def summary_lines(header: list[str], rows: list[list[Any]],
                  missing: dict[tuple[str, str], Any] | None = None) -> list[str]:
    """Summary rows as readable lines: ``arith (accuracy): tiny 45.00, big - (infer failed)``."""
    missing = missing or {}
    out = []
    for row in rows:
        cells = []
        for col in range(4, len(row)):
            value = str(row[col])
            why = missing.get((str(row[0]), header[col]))
            if value == '-' and why is not None:
                value = f'- ({why.short})'
            cells.append(f'{header[col]} {value}')
        out.append(f"{row[0]} ({row[2]}): {', '.join(cells)}")
    return out
