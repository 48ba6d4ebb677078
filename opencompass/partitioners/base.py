"""The partitioner contract: ``partition(models, datasets) -> [task cfg]``."""
from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

IsDone = Callable[[dict[str, Any], dict[str, Any]], bool]


class BasePartitioner(ABC):
    """Turns the (model, dataset) pairs that still need work into task configs.

    A task config is ``{'models': [m], 'datasets': [[d, ...]], 'work_dir': RUN_DIR}``.
    ``is_done(model, dataset)`` lets the caller drop pairs whose outputs are fresh.
    """

    def __init__(self, **kwargs: Any):
        self.options = kwargs

    def partition(self, models: list[dict[str, Any]], datasets: list[dict[str, Any]], work_dir: str,
                  stage: str, is_done: IsDone | None = None) -> list[dict[str, Any]]:
        tasks = []
        for model in models:
            todo = self.expand(model, datasets, stage)
            todo = [d for d in todo if not (is_done and is_done(model, d))]
            for group in self.group(todo):
                tasks.append({'models': [model], 'datasets': [group], 'work_dir': work_dir})
        return tasks

    def expand(self, model: dict[str, Any], datasets: list[dict[str, Any]],
               stage: str) -> list[dict[str, Any]]:
        """The dataset entries of one model (a subclass may split them into parts)."""
        return [copy.deepcopy(d) for d in datasets]

    @abstractmethod
    def group(self, datasets: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """Split one model's dataset entries into the groups that become tasks."""
