"""The partitioner contract: ``partition(models, datasets) -> [task cfg]``."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

IsDone = Callable[[dict, dict], bool]


class BasePartitioner:
    """Turns the (model, dataset) pairs that still need work into task configs.

    A task config is ``{'models': [m], 'datasets': [[d, ...]], 'work_dir': RUN_DIR}``.
    ``is_done(model, dataset)`` lets the caller drop pairs whose outputs are fresh.
    """

    def __init__(self, **kwargs: Any):
        self.options = kwargs

    def partition(self, models: list[dict], datasets: list[dict], work_dir: str, stage: str,
                  is_done: IsDone | None = None) -> list[dict[str, Any]]:
        tasks = []
        for model in models:
            todo = self.expand(model, datasets, stage)
            todo = [d for d in todo if not (is_done and is_done(model, d))]
            for group in self.group(todo):
                tasks.append({'models': [model], 'datasets': [group], 'work_dir': work_dir})
        return tasks

    def expand(self, model: dict, datasets: list[dict], stage: str) -> list[dict]:
        """The dataset entries of one model (a subclass may split them into parts).

        Entries are shared, not copied, by every model's tasks (configs are read-only once
        planned): 100 models x 500 datasets would otherwise copy 50,000 entries, and the
        fingerprints of an entry are computed once per entry object."""
        return list(datasets)

    def group(self, datasets: list[dict]) -> list[list[dict]]:
        raise NotImplementedError
