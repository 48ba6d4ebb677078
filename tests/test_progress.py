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


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_counts_the_stage_samples_without_jumps(tmp_path):
    """One task over two datasets (8 + 32 samples): the bar goes 0/40 -> 8/40 -> 16/40 ->
    40/40, with the tasks beside it. Shown failing once: the previous view counted tasks
    (0/1 for the whole run) and showed only the current dataset's samples (8/8, then 8/32)."""
    task = OpenICLInferTask({'models': [{'abbr': 'm', 'path': 'x'}],
                             'datasets': [[{'abbr': 'a_0', 'path': 'y', 'part': [0, 8]},
                                           {'abbr': 'b_0', 'path': 'y', 'part': [0, 32]}]],
                             'work_dir': str(tmp_path)})
    stream = _Tty()
    progress = TaskProgress([task], stream=stream)
    assert progress.bar is not None and progress.bar.total == 40 and progress.bar.unit == 'sample'
    progress.start(task)
    seen = []
    for dataset, done, total in [('a_0', 0, 8), ('a_0', 8, 8), ('b_0', 0, 32), ('b_0', 8, 32),
                                 ('b_0', 32, 32)]:
        task.report_progress(done, total, force=True, dataset=dataset)
        progress.poll()
        seen.append((progress.bar.n, progress.samples()))
    assert seen == [(0, (0, 40)), (8, (8, 40)), (8, (8, 40)), (16, (16, 40)), (40, (40, 40))]
    assert 'tasks 0/1 (1 running)' in stream.getvalue()
    progress.finish(task, ok=True)
    assert progress.bar.n == 40 and 'tasks 1/1 (0 running)' in stream.getvalue()
    assert progress.summary() == '1/1 tasks: 0 running, 0 pending, 1 done, 0 failed; samples 40/40'
    progress.close()
