"""The partitioner contract: ``partition(models, datasets) -> [task cfg]``."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

IsDone = Callable[[dict[str, Any], dict[str, Any]], bool]


class BasePartitioner:
    """Turns the (model, dataset) pairs that still need work into task configs.

    A task config is ``{'models': [m], 'datasets': [[d, ...]], 'work_dir': RUN_DIR}``.
    ``is_done(model, dataset)`` lets the caller drop pairs whose outputs are fresh.
    OpenCompass's calling convention works too: ``partition(model_dataset_combinations=
    [{'models': [...], 'datasets': [...]}], work_dir=..., out_dir=..., add_cfg={...})``
    skips pairs whose ``out_dir/MODEL/DATASET.json`` exists and adds ``add_cfg`` to each task.
    """

    def __init__(self, out_dir: str | None = None, keep_keys: list[str] | None = None,
                 **kwargs: Any):
        self.out_dir = out_dir  # OpenCompass's attributes; the pipeline passes work_dir instead
        self.keep_keys = list(keep_keys) if keep_keys is not None else []
        self.options = kwargs

    def partition_combinations(self, model_dataset_combinations: list[dict[str, Any]],
                               work_dir: str = '', stage: str = 'infer',
                               is_done: IsDone | None = None, out_dir: str | None = None,
                               add_cfg: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """OpenCompass's ``partition(model_dataset_combinations=...)``."""
        import os

        from ..utils.abbr import dataset_abbr, model_abbr
        out_dir = out_dir or self.out_dir

        def output_exists(model: dict[str, Any], dataset: dict[str, Any]) -> bool:
            return bool(out_dir) and os.path.exists(
                os.path.join(str(out_dir), model_abbr(model), f'{dataset_abbr(dataset)}.json'))

        tasks = []
        for combo in model_dataset_combinations:
            for model in combo['models']:
                for task in self.partition([model], combo['datasets'], work_dir, stage,
                                           is_done=is_done or output_exists):
                    tasks.append({**task, **(add_cfg or {})})
        return tasks

    def parse_model_dataset_args(self, cfg: dict[str, Any]) -> dict[str, Any]:
        """``{'models', 'datasets'}`` of a config, or its ``model_dataset_combinations``."""
        combos = cfg.get('model_dataset_combinations')
        if combos:
            return {'model_dataset_combinations': combos}
        return {'models': cfg['models'], 'datasets': cfg['datasets']}

    def partition(self, models: list[dict[str, Any]] | None = None,
                  datasets: list[dict[str, Any]] | None = None,
                  work_dir: str = '', stage: str = 'infer', is_done: IsDone | None = None,
                  **oc_args: Any) -> list[dict[str, Any]]:
        if oc_args.get('model_dataset_combinations') is not None:
            return self.partition_combinations(work_dir=work_dir, stage=stage, is_done=is_done,
                                               **oc_args)
        models, datasets = models or [], datasets or []
        tasks = []
        for model in models:
            todo = self.expand(model, datasets, stage)
            todo = [d for d in todo if not (is_done and is_done(model, d))]
            for group in self.group(todo):
                tasks.append({'models': [model], 'datasets': [group], 'work_dir': work_dir})
        return tasks

    def expand(self, model: dict[str, Any], datasets: list[dict[str, Any]],
               stage: str) -> list[dict[str, Any]]:
        """The dataset entries of one model (a subclass may split them into parts).

        Entries are shared, not copied, by every model's tasks (configs are read-only once
        planned): 100 models x 500 datasets would otherwise copy 50,000 entries, and the
        fingerprints of an entry are computed once per entry object."""
        return list(datasets)

    def group(self, datasets: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """Split one model's dataset entries into the groups that become tasks.

        Subclasses decide; the base makes one task per entry. It is not abstract because
        OpenCompass's ``BasePartitioner(out_dir=...)`` can be built on its own (its tests and
        tools do, e.g. for ``parse_model_dataset_args``)."""
        return [[d] for d in datasets]
