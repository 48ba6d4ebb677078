"""``NumWorkerPartitioner``: split each dataset into ``num_split`` parts, deal the parts
out to ``num_worker`` tasks per model.

OpenCompass's partitioner of the same name and arguments. A dataset with more than
``min_task_size`` test rows is cut into parts ``abbr_0, abbr_1, ...`` of
``max(ceil(rows / num_split), min_task_size)`` rows (the same part mechanics as
``SizePartitioner``: evaluation merges the parts back). With ``strategy='heuristic'``
the parts are dealt round-robin, in config order, into at most ``num_worker`` tasks;
with ``'split'`` every part is its own task. ``dataset_size_path`` and
``force_rebuild`` are accepted and unused: sizes are counted cheaply on each run.
"""
from __future__ import annotations

import copy
import math
from typing import Any

from ..datasets.build import estimate_size
from ..errors import ConfigError
from ..registry import PARTITIONERS
from ..utils.abbr import dataset_abbr
from .base import BasePartitioner


def _positive(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f'partitioner.{name}: must be a positive integer, got {value!r}')
    return value


@PARTITIONERS.register_module()
class NumWorkerPartitioner(BasePartitioner):
    """At most ``num_worker`` tasks per model, each dataset cut into ``num_split`` parts."""

    def __init__(self, num_worker: int = 8, num_split: int | None = None, min_task_size: int = 16,
                 strategy: str = 'heuristic', dataset_size_path: str | None = None,
                 keep_keys: list[str] | None = None, force_rebuild: bool = False, **kwargs: Any):
        super().__init__(keep_keys=keep_keys, **kwargs)
        if strategy not in ('heuristic', 'split'):
            raise ConfigError(f"partitioner.strategy: 'heuristic' or 'split', got {strategy!r}")
        self.num_worker = _positive(num_worker, 'num_worker')
        self.num_split = _positive(num_split if num_split is not None else num_worker, 'num_split')
        self.min_task_size = _positive(min_task_size, 'min_task_size')
        self.strategy = strategy

    def expand(self, model: dict[str, Any], datasets: list[dict[str, Any]],
               stage: str) -> list[dict[str, Any]]:
        if stage != 'infer' or self.num_split <= 1:
            return super().expand(model, datasets, stage)
        out = []
        for dataset in datasets:
            size = estimate_size(dataset)
            if size <= self.min_task_size:
                out.append(copy.deepcopy(dataset))
                continue
            step = max(math.ceil(size / self.num_split), self.min_task_size)
            base = dataset_abbr(dataset)
            for i, start in enumerate(range(0, size, step)):
                part = copy.deepcopy(dataset)
                part['abbr'] = f'{base}_{i}'
                part['base_abbr'] = base
                part['part'] = [start, min(size, start + step)]
                out.append(part)
        return out

    def group(self, datasets: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        if self.strategy == 'split':
            return [[d] for d in datasets]
        buckets: list[list[dict[str, Any]]] = [[] for _ in range(self.num_worker)]
        for i, dataset in enumerate(datasets):
            buckets[i % self.num_worker].append(dataset)
        return [b for b in buckets if b]
