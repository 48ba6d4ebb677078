"""Entry point of a task process: ``python -m opencompass.tasks TASK_FILE``.

Exit status 0 on success, 1 on a user error (one line on stderr), 2 on a bug
(traceback on stderr, which the runner keeps in the task's log).
"""
from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print('usage: python -m opencompass.tasks TASK_FILE', file=sys.stderr)
        return 2
    from ..errors import OpenCompassError
    from ..utils.logging import setup_logging
    from .base import load_task
    setup_logging()
    try:
        task = load_task(argv[0])
        task.run()
    except OpenCompassError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
