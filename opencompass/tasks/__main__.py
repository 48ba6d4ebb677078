"""Entry point of a task process: ``python -m opencompass.tasks TASK_FILE``.

``--worker`` instead runs task files sent on stdin one after the other (tasks/worker.py).

Exit status 0 on success, 1 on a user error (one line on stderr), 2 on a bug
(traceback on stderr, which the runner keeps in the task's log).
"""
from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    _die_with_runner()
    if argv == ['--worker']:  # many tasks, one process: see tasks/worker.py
        from .worker import serve
        return serve()
    if len(argv) != 1:
        print('usage: python -m opencompass.tasks TASK_FILE | --worker', file=sys.stderr)
        return 2
    from ..errors import OpenCompassError
    from ..utils.logging import setup_logging
    from ..utils.redaction import redact_std_streams
    from .base import load_task
    redact_std_streams()  # the task log gets no secret, whatever prints it
    setup_logging()
    try:
        task = load_task(argv[0])
        task.run()
    except OpenCompassError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    except Exception:  # noqa: BLE001 - a bug: traceback into the task log, exit 2 (retried)
        import traceback
        traceback.print_exc()
        return 2
    return 0


def _die_with_runner() -> None:
    """Under LocalRunner (``OC_PARENT_PID`` set): never outlive the runner, leave no orphans.

    The kernel sends SIGTERM when the runner dies, even by ``kill -9``
    (``PR_SET_PDEATHSIG``); on SIGTERM the task ends its whole process group,
    which LocalRunner made it the leader of.
    """
    import os
    import signal
    parent = os.environ.get('OC_PARENT_PID')
    if not parent or not sys.platform.startswith('linux'):
        return
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != int(parent):  # the runner died before prctl took effect
        os._exit(143)

    def on_term(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if os.getpgrp() == os.getpid():
            os.killpg(0, signal.SIGTERM)  # our children too, then ourselves
        os._exit(143)

    signal.signal(signal.SIGTERM, on_term)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
