"""Build a dataset from its config entry and pick the test rows of a part."""
from __future__ import annotations

from typing import Any

from ..registry import LOAD_DATASET, build
from .base import BaseDataset

# keys of a dataset entry that configure the evaluation, not the loader
NON_LOADER_KEYS = frozenset({'abbr', 'reader_cfg', 'infer_cfg', 'eval_cfg', 'part', 'base_abbr',
                             'summary'})


def loader_args(cfg: dict[str, Any]) -> dict[str, Any]:
    """The part of a dataset entry the loader gets: ``type`` and its keyword arguments."""
    return {k: v for k, v in cfg.items() if k not in NON_LOADER_KEYS}


def build_dataset(cfg: dict[str, Any], where: str = 'datasets') -> BaseDataset:
    return build(loader_args(cfg), LOAD_DATASET, where=where, reader_cfg=cfg.get('reader_cfg', {}),
                 abbr=cfg.get('abbr'))


def test_ids(cfg: dict[str, Any], dataset: BaseDataset) -> list[int]:
    """Positions in the test split this entry covers: all of it, or its part's range."""
    part = cfg.get('part')
    n = len(dataset.test)
    if part:
        return list(range(part[0], min(part[1], n)))
    return list(range(n))


def estimate_size(cfg: dict[str, Any]) -> int:
    """Number of test rows, counted as cheaply as the loader allows."""
    loader = loader_args(cfg)
    cls = LOAD_DATASET.get(loader.pop('type'))
    return cls.estimate_size(reader_cfg=cfg.get('reader_cfg', {}), **loader)


def reference(dataset: BaseDataset, index: int) -> Any:
    column = dataset.reader.output_column
    return dataset.test[index].get(column) if column else None
