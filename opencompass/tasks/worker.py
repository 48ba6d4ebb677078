"""A long-lived task process: ``python -m opencompass.tasks --worker``.

A worker runs many task files one after the other, so the imports (torch,
transformers) and the model are paid for once per worker instead of once per
task. Each task keeps what a one-task process gives it:

* its own log: the worker points file descriptors 1 and 2 at the task's log
  file while the task runs, so ``print``, logging, tracebacks and C-level output
  all land in ``logs/STAGE/MODEL/DATASET.out``;
* its own exit status, as ``tasks/__main__.py`` gives it: ``0`` done, ``1`` user
  error (one ``error:`` line), ``2`` crash (traceback). After a crash the worker
  exits, so the next task (or its retry) starts in a fresh process.

Protocol: the runner writes one JSON line per task on the worker's stdin,
``{"task_file": PATH, "log": PATH, "env": {NAME: VALUE}}``; the worker answers on
its original stdout with ``{"code": N, "exiting": BOOL}`` once the task has ended.
End of input ends the worker.
"""
from __future__ import annotations

import gc
import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..models.base import BaseModel

# the model kept by this process: (key, model); one at a time to bound memory
_MODEL: list[Any] = []


def cached_model(model_cfg: dict[str, Any],
                 build: Callable[[], BaseModel]) -> tuple[BaseModel, bool]:
    """The model for ``model_cfg``, built by ``build()`` unless this process has it already.

    Returns ``(model, reused)``. A different model first evicts the kept one.
    """
    from ..utils.serialize import fingerprint
    key = fingerprint(model_cfg)
    if _MODEL and _MODEL[0] == key:
        return _MODEL[1], True
    release_model()
    model = build()
    _MODEL[:] = [key, model]
    return model, False


def release_model() -> None:
    """Drop the kept model and give its memory back (GPU memory too)."""
    if not _MODEL:
        return
    close = getattr(_MODEL[1], 'close', None)  # e.g. a vLLM engine: stop its processes now
    _MODEL.clear()
    if callable(close):
        close()
    gc.collect()
    torch = sys.modules.get('torch')
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def run_task_file(path: str) -> tuple[int, bool]:
    """Run one task file in this process: ``(exit code, whether the process is still sane)``."""
    from ..errors import OpenCompassError
    from .base import load_task
    try:
        load_task(path).run()
    except OpenCompassError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1, True
    except Exception:  # noqa: BLE001 - a bug: traceback to the task log, then a fresh process
        traceback.print_exc()
        return 2, False  # 2 = a crash, as in tasks/__main__.py (LocalRunner retries it)
    return 0, True


def serve(stdin: IO[str] | None = None) -> int:
    """The worker loop; returns the process exit status."""
    from ..utils.logging import setup_logging
    from ..utils.redaction import redact_std_streams
    redact_std_streams()
    stdin = stdin or sys.stdin
    reply = os.fdopen(os.dup(1), 'w', encoding='utf-8', buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    setup_logging()
    for line in stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        sane = _run_logged(job, reply)
        if not sane:
            return 1
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
    return 0


def _run_logged(job: dict[str, Any], reply: IO[str]) -> bool:
    """Run ``job['task_file']`` with fds 1 and 2 appended to ``job['log']``; send the code."""
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(job['log'], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
    finally:
        os.close(fd)
    os.environ.update(job.get('env') or {})  # e.g. API keys added after the worker started
    try:
        code, sane = run_task_file(job['task_file'])
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    reply.write(json.dumps({'code': code, 'exiting': not sane}) + '\n')
    reply.flush()
    return sane
