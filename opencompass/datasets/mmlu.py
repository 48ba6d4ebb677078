"""``MMLUDataset``: one MMLU subject from the per-subject CSV files of Hendrycks et al.

Layout (the published ``data.tar`` unpacked under the data root, the OpenCompass
convention)::

    data/mmlu/dev/<subject>_dev.csv     5 few-shot examples per subject
    data/mmlu/val/<subject>_val.csv     (not used by the configs)
    data/mmlu/test/<subject>_test.csv   the questions that are scored

Each CSV has no header; a row is ``question,A,B,C,D,answer`` with ``answer`` one of
``A``-``D``. Rows become ``{input, A, B, C, D, target}`` in splits ``dev`` and ``test``
(and ``val`` when that file exists).
"""
from __future__ import annotations

import csv
import os
from typing import Any

from ..errors import DatasetError
from ..registry import LOAD_DATASET
from ..utils.datasets import get_data_path
from .base import BaseDataset, Rows
from .local_files import non_empty, require_file

SPLITS = ('dev', 'test')


@LOAD_DATASET.register_module()
class MMLUDataset(BaseDataset):
    """``MMLUDataset(path='./data/mmlu', name='abstract_algebra')``; train split is ``dev``."""

    DATA_HINT = ('download https://people.eecs.berkeley.edu/~hendrycks/data.tar and unpack '
                 'its data/ folder as data/mmlu/ (giving data/mmlu/{dev,val,test}/'
                 '<subject>_{dev,val,test}.csv), or set path= in the dataset config')

    @staticmethod
    def split_file(path: str, name: str, split: str) -> str:
        return os.path.join(path, split, f'{name}_{split}.csv')

    @staticmethod
    def required_files(path: str = './data/mmlu', name: str = '', **_: Any) -> list[str]:
        path = get_data_path(path)
        return [MMLUDataset.split_file(path, name, s) for s in SPLITS]

    @staticmethod
    def load(path: str = './data/mmlu', name: str = '', **_: Any) -> dict[str, Rows]:
        if not name:
            raise DatasetError('MMLUDataset needs name=<subject> (e.g. abstract_algebra)')
        path = get_data_path(path)
        splits = {}
        for split in SPLITS + ('val',):
            file = MMLUDataset.split_file(path, name, split)
            if split == 'val' and not os.path.isfile(file):
                continue
            splits[split] = read_mmlu_csv(require_file(file, 'MMLU', MMLUDataset.DATA_HINT))
        return splits


def read_mmlu_csv(path: str) -> Rows:
    """Rows of one headerless MMLU CSV, checked: six fields, answer in A-D."""
    rows = []
    try:
        with open(path, encoding='utf-8', newline='') as f:
            reader = csv.reader(f)
            for record in reader:
                if not record or all(not c.strip() for c in record):
                    continue
                line = reader.line_num
                if len(record) != 6:
                    raise DatasetError(f'{path}:{line}: expected 6 fields (question,A,B,C,D,'
                                       f'answer), found {len(record)}')
                question, a, b, c, d, answer = record
                answer = answer.strip()
                if answer not in ('A', 'B', 'C', 'D'):
                    raise DatasetError(f"{path}:{line}: the answer must be A, B, C or D, "
                                       f'found {answer!r} (a header row? MMLU CSVs have none)')
                rows.append({'input': question, 'A': a, 'B': b, 'C': c, 'D': d,
                             'target': answer})
    except UnicodeDecodeError as e:
        raise DatasetError(f'{path}: not valid UTF-8 text at byte {e.start}') from None
    except csv.Error as e:
        raise DatasetError(f'{path}: not a readable CSV file ({e})') from None
    return non_empty(rows, path)
