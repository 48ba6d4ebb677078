"""``NaivePartitioner``: ``n`` datasets of one model per task."""
from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from ..registry import PARTITIONERS
from .base import BasePartitioner


@PARTITIONERS.register_module()
class NaivePartitioner(BasePartitioner):
    def __init__(self, n: int = 1, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(n, int) or n < 1:
            raise ConfigError(f'partitioner.n: must be a positive integer, got {n!r}')
        self.n = n

    def group(self, datasets: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        return [datasets[i:i + self.n] for i in range(0, len(datasets), self.n)]
