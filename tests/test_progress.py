"""The live view of a stage when output is not a terminal: periodic plain lines."""
from __future__ import annotations

import io
import logging

from opencompass.runners.progress import TaskProgress
from opencompass.tasks.openicl_infer import OpenICLInferTask
from opencompass.utils.logging import get_logger


def _task(run_dir: str, model: str, dataset: str) -> OpenICLInferTask:
    return OpenICLInferTask({'models': [{'abbr': model, 'path': 'x'}],
                             'datasets': [[{'abbr': dataset, 'path': 'y'}]],
                             'work_dir': run_dir})


def test_plain_lines_show_counts_samples_per_task_and_eta(tmp_path):
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Keep(logging.INFO)
    logger = get_logger()
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    try:
        tasks = [_task(str(tmp_path), 'm', f'd{i}') for i in range(3)]
        progress = TaskProgress(tasks, interval=3600, stream=io.StringIO())  # not a tty
        assert progress.bar is None
        progress.start(tasks[0])
        progress.start(tasks[1])
        tasks[0].report_progress(6, 12, force=True)
        tasks[1].report_progress(1, 10, force=True)
        text = progress.summary()
        assert text.startswith('0/3 tasks: 2 running, 1 pending, 0 done, 0 failed')
        assert 'samples: m/d0 6/12, m/d1 1/10' in text and 'ETA' in text
        progress.poll()
        assert lines == []                     # the interval has not passed: no line
        progress.retried(tasks[1])
        progress.finish(tasks[0], ok=True)     # a task ending always prints a line
        assert lines[-1].startswith('1/3 tasks: 1 running, 1 pending, 1 done, 0 failed, '
                                    '1 retried; samples: m/d1 1/10')
        progress.finish(tasks[1], ok=False)
        progress.start(tasks[2])
        progress.finish(tasks[2], ok=True)
        assert lines[-1] == '3/3 tasks: 0 running, 0 pending, 2 done, 1 failed, 1 retried'
        progress.close()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
