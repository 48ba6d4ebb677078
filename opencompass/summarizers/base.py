"""The summarizer contract: what the viz stage calls after evaluation."""
from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Summarizer(Protocol):
    """Built as ``type(config=WHOLE_CONFIG, **summarizer_cfg)``; ``summarize`` writes
    ``summary/`` and returns the table to print.

    Optional attributes the HTML report and the Lark bot read when present:
    ``header``/``rows`` (the table), ``missing`` (why a cell is ``-``) and
    ``collect(run_dir) -> (header, rows)``.
    """

    def summarize(self, run_dir: str, time_str: str) -> str:
        """Write the summary files of ``run_dir`` and return the table as printed."""
        ...
