"""``CircularSummarizer``: the summary of datasets scored under several metrics at once
(OpenCompass's summarizer for circular evaluation and contamination analysis).

``metric_types=['accuracy - clean', ...]`` turns each ``dataset_abbrs`` entry into one row per
metric (``[abbr, metric]``); a summary group with ``metric=`` averages that metric of its
subsets and its row is found the same way (``[group, metric]``). OpenCompass prints the
metrics as columns (``MODEL`` x metric); here they are rows, so the table keeps the
``dataset | version | metric | mode | MODEL...`` shape of every other summary.
"""
from __future__ import annotations

from typing import Any

from ..registry import SUMMARIZERS
from .default import DefaultSummarizer


@SUMMARIZERS.register_module()
class CircularSummarizer(DefaultSummarizer):
    """``DefaultSummarizer`` with a row per dataset and metric of ``metric_types``."""

    def __init__(self, config: dict[str, Any], dataset_abbrs: list[Any] | None = None,
                 summary_groups: list[dict[str, Any]] | None = None,
                 metric_types: list[str] | None = None, **kwargs: Any):
        self.metric_types = [str(m) for m in metric_types or []]
        if dataset_abbrs and self.metric_types:
            dataset_abbrs = [[entry, metric] if isinstance(entry, str) else entry
                             for entry in dataset_abbrs
                             for metric in (self.metric_types if isinstance(entry, str) else [None])]
        super().__init__(config, dataset_abbrs, summary_groups, **kwargs)
