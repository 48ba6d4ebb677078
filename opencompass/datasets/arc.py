"""``ARCDataset``: AI2 Reasoning Challenge (Easy / Challenge) from AI2's JSONL files.

Layout (``ARC-V1-Feb2018.zip`` from AI2, one folder per set, OpenCompass naming)::

    data/ARC/ARC-e/ARC-Easy-{Train,Dev,Test}.jsonl
    data/ARC/ARC-c/ARC-Challenge-{Train,Dev,Test}.jsonl

Each line has ``question.stem``, ``question.choices = [{text, label}]`` and ``answerKey``.
Rows become ``{question, textA..textD, answerKey}`` with the key as a letter. Labels
written as ``1``-``4`` (a few ARC questions) are mapped to ``A``-``D`` by position.
Questions without exactly four choices (a handful have 3 or 5) are skipped, as in
OpenCompass, and the number skipped is logged.
"""
from __future__ import annotations

from typing import Any

from ..errors import DatasetError
from ..registry import LOAD_DATASET
from ..utils.datasets import get_data_path
from ..utils.logging import get_logger
from .base import BaseDataset, Rows
from .local_files import field, iter_jsonl, non_empty, require_file

LETTERS = 'ABCD'
_REPORTED: set[str] = set()  # files whose skipped questions were already logged


@LOAD_DATASET.register_module()
class ARCDataset(BaseDataset):
    """``ARCDataset(path='./data/ARC/ARC-c/ARC-Challenge-Test.jsonl')``."""

    DATA_HINT = ('download ARC-V1-Feb2018.zip from https://allenai.org/data/arc and copy '
                 'ARC-Easy/*.jsonl to data/ARC/ARC-e/ and ARC-Challenge/*.jsonl to '
                 'data/ARC/ARC-c/, or set path= in the dataset config')

    @staticmethod
    def required_files(path: str = '', **_: Any) -> list[str]:
        return [get_data_path(path)]

    @staticmethod
    def load(path: str = '', **_: Any) -> Rows:
        path = get_data_path(path)
        require_file(path, 'ARC', ARCDataset.DATA_HINT)
        rows, skipped = [], 0
        for lineno, row in iter_jsonl(path):
            question = field(row, 'question', path, lineno)
            if not isinstance(question, dict):
                raise DatasetError(f'{path}:{lineno}: "question" should be an object with '
                                   '"stem" and "choices" (AI2 ARC format)')
            stem = field(question, 'stem', path, lineno)
            choices = field(question, 'choices', path, lineno)
            key = str(field(row, 'answerKey', path, lineno)).strip()
            if not isinstance(choices, list) or len(choices) != 4:
                skipped += 1
                continue
            labels = [str(c.get('label', '')).strip() for c in choices]
            if key not in labels:
                raise DatasetError(f"{path}:{lineno}: answerKey {key!r} is not one of the "
                                   f'choice labels {labels}')
            out = {'question': stem}
            for letter, choice in zip(LETTERS, choices):
                out[f'text{letter}'] = field(choice, 'text', path, lineno)
            out['answerKey'] = LETTERS[labels.index(key)]
            rows.append(out)
        if skipped and path not in _REPORTED:
            _REPORTED.add(path)
            get_logger().info('%s: skipped %d question(s) without exactly 4 choices', path,
                              skipped)
        return non_empty(rows, path)
