"""``SizePartitioner``: cut large datasets into parts and pack parts into even tasks.

The cost of a dataset is its number of test rows times a factor: the number of
labels for loglikelihood (PPL) datasets, ``gen_task_coef`` for generation. A
dataset costing more than ``max_task_size`` is cut into parts ``abbr_0, abbr_1,
...`` covering consecutive row ranges; parts and small datasets are then packed,
largest first, into tasks of at most ``max_task_size``.
"""
from __future__ import annotations

import copy
import math
from typing import Any

from ..datasets.build import estimate_size
from ..errors import ConfigError
from ..registry import PARTITIONERS
from ..utils.abbr import dataset_abbr
from ..utils.serialize import short_type
from .base import BasePartitioner


@PARTITIONERS.register_module()
class SizePartitioner(BasePartitioner):
    def __init__(self, max_task_size: int = 40000, gen_task_coef: int = 20,
                 strategy: str = 'heuristic', **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(max_task_size, int) or max_task_size < 1:
            raise ConfigError(f'partitioner.max_task_size: must be a positive integer, '
                              f'got {max_task_size!r}')
        if strategy not in ('heuristic', 'split'):
            raise ConfigError(f"partitioner.strategy: 'heuristic' or 'split', got {strategy!r}")
        self.max_task_size = max_task_size
        self.gen_task_coef = gen_task_coef
        self.strategy = strategy
        self._parts: dict[int, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
        self._sizes: dict[int, tuple[dict[str, Any], int]] = {}

    def factor(self, dataset: dict[str, Any]) -> int:
        infer_cfg = dataset.get('infer_cfg', {})
        inferencer = short_type(infer_cfg.get('inferencer', {}).get('type', 'GenInferencer'))
        if 'PPL' in inferencer or 'LL' in inferencer:
            template = infer_cfg.get('prompt_template', {}).get('template')
            if isinstance(template, dict) and 'round' not in template:
                return max(1, len(template))
            return 1
        return self.gen_task_coef

    def cost(self, dataset: dict[str, Any]) -> int:
        if 'part' in dataset:
            return int(dataset['part'][1] - dataset['part'][0]) * self.factor(dataset)
        return self._size(dataset) * self.factor(dataset)

    def _size(self, dataset: dict[str, Any]) -> int:
        """Rows of a dataset entry, counted once per entry (not once per model)."""
        hit = self._sizes.get(id(dataset))
        if hit is None or hit[0] is not dataset:
            hit = self._sizes[id(dataset)] = (dataset, estimate_size(dataset))
        return hit[1]

    def expand(self, model: dict[str, Any], datasets: list[dict[str, Any]],
               stage: str) -> list[dict[str, Any]]:
        if stage != 'infer':
            return super().expand(model, datasets, stage)
        out: list[dict[str, Any]] = []
        for dataset in datasets:  # the same parts for every model: split each entry once
            hit = self._parts.get(id(dataset))
            if hit is None or hit[0] is not dataset:
                hit = self._parts[id(dataset)] = (dataset, self._split(dataset))
            out += hit[1]
        return out

    def _split(self, dataset: dict[str, Any]) -> list[dict[str, Any]]:
        """``[dataset]``, or its parts when it costs more than ``max_task_size``."""
        size = self._size(dataset)
        factor = self.factor(dataset)
        if size * factor <= self.max_task_size:
            return [dataset]
        step = max(1, self.max_task_size // factor)
        base = dataset_abbr(dataset)
        out = []
        for i in range(math.ceil(size / step)):
            part = copy.deepcopy(dataset)
            part['abbr'] = f'{base}_{i}'
            part['base_abbr'] = base
            part['part'] = [i * step, min(size, (i + 1) * step)]
            out.append(part)
        return out

    def group(self, datasets: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        if self.strategy == 'split':
            return [[d] for d in datasets]
        costed = sorted(((self.cost(d), d) for d in datasets), key=lambda x: -x[0])
        groups: list[list[dict[str, Any]]] = []
        current: list[dict[str, Any]] = []
        load = 0
        for cost, dataset in costed:
            if current and load + cost > self.max_task_size:
                groups.append(current)
                current, load = [], 0
            current.append(dataset)
            load += cost
        if current:
            groups.append(current)
        return groups
