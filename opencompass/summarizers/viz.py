"""What the viz stage adds after the summary table: comparison and the HTML report."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..utils.logging import get_logger
from .compare import compare_runs, write_comparison
from .html_report import write_html_report

if TYPE_CHECKING:
    from ..pipeline import Pipeline
    from .base import Summarizer


def after_summary(pipeline: Pipeline, summarizer: Summarizer, time_str: str) -> tuple[list[str], str | None]:
    """Print the comparison (``--compare``), write the HTML report.

    Returns the summary rows as lines (for the Lark bot) and the report path.
    """
    from ..notify.messages import summary_lines
    logger = get_logger()
    header, rows = getattr(summarizer, 'header', None), getattr(summarizer, 'rows', None)
    if header is None and hasattr(summarizer, 'collect'):
        header, rows = summarizer.collect(pipeline.run_dir)
    header, rows = header or [], rows or []
    missing = getattr(summarizer, 'missing', {}) or {}
    comparison = None
    other = getattr(pipeline, 'compare_dir', None)
    if other:
        comparison = compare_runs(pipeline.run_dir, other, pipeline.cfg)
        print(write_comparison(pipeline.run_dir, comparison, time_str), flush=True)
    try:
        path = write_html_report(pipeline.run_dir, pipeline.cfg, header, rows, missing,
                                 time_str, comparison)
    except Exception as e:  # noqa: BLE001 - the report is an extra: never fail the run for it
        logger.warning('HTML report not written: %s', e)
        logger.debug('HTML report failure', exc_info=True)
        path = None
    else:
        logger.info('report: %s', path)
    return summary_lines(header, rows, missing), path
