"""Secure by default: generated code runs only under real isolation unless the user opts in.

``isolation()`` probes once per process whether bubblewrap can confine a program here
(and that it really runs as uid 65534 in its own pid namespace). ``require()`` returns
``True`` (confined) or, when that fails and the user set ``OC_ALLOW_UNSAFE_CODE=1``
(``run.py --allow-unsafe-code`` sets it), ``False`` after a warning on the console;
otherwise it raises :class:`SandboxUnavailableError` saying why and how to get it.
"""
from __future__ import annotations

import os
import shutil
import sys
import threading
from typing import Any

from ...errors import OpenCompassError
from ..logging import get_logger
from .limits import SandboxLimits
from .runner import SampleFailure, Sandbox

UNSAFE_ENV = 'OC_ALLOW_UNSAFE_CODE'
UNSAFE_FLAG = '--allow-unsafe-code'
_lock = threading.Lock()
_probed: list[str | None] = []
_warned: list[bool] = []


class SandboxUnavailableError(OpenCompassError):
    """Generated code would have to run without isolation and the user did not allow it."""

    exit_code = 2


def _probe() -> str | None:
    if shutil.which('bwrap') is None:
        return 'bubblewrap (bwrap) is not installed'
    if os.geteuid() == 0:
        missing = [t for t in ('unshare', 'setpriv', 'mount') if shutil.which(t) is None]
        if missing:
            return f'{missing[0]} (util-linux) is not installed'
    program = 'import os\ndef probe():\n    return [os.getuid(), os.getpid(), dict(os.environ)]\n'
    box = Sandbox(program, 'probe', SandboxLimits(timeout=30.0), confined=True)
    try:
        box.start()
        uid, pid, env = box.call()
    except SampleFailure as e:
        tail = box.output.strip().splitlines()[-1:]
        return f"bubblewrap cannot start a sandbox here ({tail[0][:200] if tail else e.reason})"
    finally:
        box.close()
    if uid != 65534 or pid > 3 or set(env) - {'HOME', 'PATH', 'LANG', 'PWD', 'LC_CTYPE'}:
        return f'the sandbox is not isolated as expected (uid {uid}, pid {pid})'
    return None


def isolation() -> str | None:
    """``None`` when programs can be confined here, else why not (probed once per process)."""
    with _lock:
        if not _probed:
            _probed.append(_probe())
        return _probed[0]


def unsafe_allowed() -> bool:
    return os.environ.get(UNSAFE_ENV, '').strip().lower() in ('1', 'true', 'yes')


def refusal(reason: str) -> str:
    return (f'cannot run generated code in isolation: {reason}; install bubblewrap '
            f'(apt-get install bubblewrap) or, to run it unconfined at your own risk, pass '
            f'{UNSAFE_FLAG} (or set {UNSAFE_ENV}=1)')


def warning(reason: str) -> str:
    return (f'warning: generated code runs WITHOUT isolation ({UNSAFE_FLAG}): {reason}; it can '
            'read and change anything this user can')


def require() -> bool:
    """True: confine every program. False: run unconfined (the user opted in; warned once)."""
    reason = isolation()
    if reason is None:
        return True
    if not unsafe_allowed():
        raise SandboxUnavailableError(refusal(reason))
    with _lock:
        if not _warned:
            _warned.append(True)
            print(warning(reason), file=sys.stderr, flush=True)
            get_logger().warning(warning(reason))
    return False


def preflight(datasets: list[dict[str, Any]], allow_unsafe: bool) -> None:
    """Before a run: refuse up front if a dataset's evaluator runs generated code unconfined."""
    if allow_unsafe:
        os.environ[UNSAFE_ENV] = '1'  # inherited by the task processes
    for dataset in datasets:
        evaluator = (dataset.get('eval_cfg') or {}).get('evaluator') or {}
        kind = evaluator.get('type') if isinstance(evaluator, dict) else None
        if getattr(kind, 'runs_generated_code', False) or 'HumanEval' in str(kind):
            require()
            return
