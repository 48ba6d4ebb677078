"""``MMLUDatasetClean``, ``ARCDatasetClean``, ``HellaswagDatasetClean``, ``CEvalDatasetClean``:
the benchmark rows plus ``is_clean``, each test row's contamination label, for
``AccContaminationEvaluator``.

The labels come from the annotation files of Contamination_Detector
(https://github.com/liyucheng09/Contamination_Detector). OpenCompass downloads them on
first use and caches them next to the data; nothing is downloaded here, so the file must
be at that same place (under ``COMPASS_DATA_CACHE``, see ``utils/datasets.py``):

====================  ===========================================================
MMLU                  ``data/mmlu/test/MMLU_test_contamination_annotations.json``
ARC (Challenge)       ``data/ARC/ARC-c/ARC_c_test_contamination_annotations.json``
HellaSwag             ``data/hellaswag/hellaswag_val_contamination_annotations.json``
C-Eval (val split)    ``data/ceval/formal_ceval/val/ceval_contamination_annotations.json``
====================  ===========================================================

Each file maps a row key to a list whose first item is the label (``clean``, ``input
contamination`` or ``input-and-label contamination``); the key is ``"<subject> <row index>"``
for MMLU, ``"<subject>-<row index>"`` for C-Eval, the question ``id`` for ARC and the line
index for HellaSwag. A row without an
entry is ``not labeled``. The annotation file is not a required file: a config loads and
plans (``--dry-run``) without it, and inference stops with one line naming where to put it.
"""
from __future__ import annotations

import os
from typing import Any

from ..errors import DatasetError
from ..registry import LOAD_DATASET
from ..utils.datasets import get_data_path
from .arc import ARCDataset
from .base import BaseDataset, Rows
from .ceval import CEvalDataset
from .hellaswag import HellaswagDataset, read_hellaswag
from .local_files import iter_jsonl, read_json_file
from .mmlu import MMLUDataset

__all__ = ['MMLUDatasetClean', 'ARCDatasetClean', 'HellaswagDatasetClean', 'CEvalDatasetClean',
           'load_annotations', 'NOT_LABELED']

NOT_LABELED = 'not labeled'
RELEASES = 'https://github.com/liyucheng09/Contamination_Detector/releases/download'


def load_annotations(path: str, url: str) -> dict[str, Any]:
    """The annotation file at ``path``, or one DatasetError naming the path and ``url``."""
    if not os.path.isfile(path):
        raise DatasetError(f"contamination annotations: expected '{path}', which does not exist; "
                           f'download {url} and save it under that name (OpenCompass caches it '
                           'there on first use; nothing is downloaded here)')
    data = read_json_file(path)
    if not isinstance(data, dict):
        raise DatasetError(f'{path}: expected a JSON object mapping each row key to its labels')
    return data


def label(annotations: dict[str, Any], key: str) -> str:
    entry = annotations.get(key)
    if isinstance(entry, list) and entry:
        return str(entry[0])
    return str(entry) if isinstance(entry, str) else NOT_LABELED


def _existing(path: str) -> list[str]:
    return [path] if os.path.isfile(path) else []


@LOAD_DATASET.register_module()
class MMLUDatasetClean(MMLUDataset):
    """``MMLUDataset`` with ``is_clean`` on the test rows (key ``"<subject> <row index>"``)."""

    URL = f'{RELEASES}/v0.1.1rc2/mmlu_annotations.json'

    @classmethod
    def estimate_size(cls, reader_cfg: dict[str, Any] | None = None, **kwargs: Any) -> int:
        return MMLUDataset.estimate_size(reader_cfg=reader_cfg, **kwargs)  # planning: no labels needed

    @staticmethod
    def annotation_file(path: str) -> str:
        return os.path.join(path, 'test', 'MMLU_test_contamination_annotations.json')

    @staticmethod
    def required_files(path: str = './data/mmlu', name: str = '', **_: Any) -> list[str]:
        files = MMLUDataset.required_files(path, name)
        return files + _existing(MMLUDatasetClean.annotation_file(get_data_path(path)))

    @staticmethod
    def load(path: str = './data/mmlu', name: str = '', **_: Any) -> dict[str, Rows]:
        splits = MMLUDataset.load(path, name)
        notes = load_annotations(MMLUDatasetClean.annotation_file(get_data_path(path)),
                                 MMLUDatasetClean.URL)
        splits['test'] = [{**row, 'is_clean': label(notes, f'{name} {i}')}
                          for i, row in enumerate(splits['test'])]
        return splits


class _LabelsBesideFile:
    """For loaders of one data file whose annotation file ``ANNOTATION`` lies beside it."""

    BASE: type[BaseDataset]
    ANNOTATION = ''

    @classmethod
    def estimate_size(cls, reader_cfg: dict[str, Any] | None = None, **kwargs: Any) -> int:
        return cls.BASE.estimate_size(reader_cfg=reader_cfg, **kwargs)  # planning: no labels needed

    @classmethod
    def annotation_file(cls, path: str) -> str:
        return os.path.join(os.path.dirname(path), cls.ANNOTATION)

    @classmethod
    def required_files(cls, path: str = '', **_: Any) -> list[str]:
        file = get_data_path(path)
        return [file] + _existing(cls.annotation_file(file))


@LOAD_DATASET.register_module()
class ARCDatasetClean(_LabelsBesideFile, ARCDataset):
    """``ARCDataset`` with ``is_clean`` (key: the question ``id``)."""

    BASE = ARCDataset
    ANNOTATION = 'ARC_c_test_contamination_annotations.json'
    URL = f'{RELEASES}/v0.1.1rc/ARC_annotations.json'

    @staticmethod
    def load(path: str = '', **_: Any) -> Rows:
        rows = ARCDataset.load(path)
        file = get_data_path(path)
        notes = load_annotations(ARCDatasetClean.annotation_file(file), ARCDatasetClean.URL)
        # the ids of the questions ARCDataset keeps (those with exactly four choices), in order
        ids = [str(row.get('id', '')) for _, row in iter_jsonl(file)
               if isinstance(row.get('question'), dict)
               and isinstance(row['question'].get('choices'), list)
               and len(row['question']['choices']) == 4]
        return [{**row, 'is_clean': label(notes, qid)} for row, qid in zip(rows, ids)]


@LOAD_DATASET.register_module()
class HellaswagDatasetClean(_LabelsBesideFile, HellaswagDataset):
    """``HellaswagDataset`` (index labels 0-3, as OpenCompass's PPL config expects) with
    ``is_clean`` (key: the line index in the file, from 0)."""

    BASE = HellaswagDataset
    ANNOTATION = 'hellaswag_val_contamination_annotations.json'
    URL = f'{RELEASES}/v0.1.1rc2/hellaswag_annotations_with_line_index.json'

    @classmethod
    def load(cls, path: str = '', label_format: str | None = None, **_: Any) -> Rows:
        file = get_data_path(path)
        rows = read_hellaswag(file, label_format or 'index')
        notes = load_annotations(cls.annotation_file(file), cls.URL)
        lines = [lineno for lineno, _ in iter_jsonl(file)]
        return [{**row, 'is_clean': label(notes, str(n - 1))} for row, n in zip(rows, lines)]


@LOAD_DATASET.register_module()
class CEvalDatasetClean(CEvalDataset):
    """``CEvalDataset`` with ``is_clean`` on the ``val`` rows (key ``"<subject>-<row index>"``),
    the split OpenCompass's configs score; the labels cover only that split."""

    URL = f'{RELEASES}/v0.1.1rc/ceval_annotations.json'

    @classmethod
    def estimate_size(cls, reader_cfg: dict[str, Any] | None = None, **kwargs: Any) -> int:
        return CEvalDataset.estimate_size(reader_cfg=reader_cfg, **kwargs)  # planning: no labels

    @staticmethod
    def annotation_file(path: str) -> str:
        return os.path.join(path, 'val', 'ceval_contamination_annotations.json')

    @classmethod
    def required_files(cls, path: str = '', name: str = '',
                       reader_cfg: dict[str, Any] | None = None, **_: Any) -> list[str]:
        files = CEvalDataset.required_files(path, name, reader_cfg)
        return files + _existing(cls.annotation_file(get_data_path(path or cls.DEFAULT_PATH)))

    @classmethod
    def load(cls, path: str = '', name: str = '', local_mode: bool = False,
             **kwargs: Any) -> dict[str, Rows]:
        splits = CEvalDataset.load(path, name, **kwargs)
        notes = load_annotations(cls.annotation_file(get_data_path(path or cls.DEFAULT_PATH)),
                                 cls.URL)
        if 'val' in splits:
            splits['val'] = [{**row, 'is_clean': label(notes, f'{name}-{i}')}
                             for i, row in enumerate(splits['val'])]
        return splits
