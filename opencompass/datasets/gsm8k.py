"""``GSM8KDataset`` and ``Gsm8kEvaluator``: grade-school math word problems.

Layout (the files of github.com/openai/grade-school-math)::

    data/gsm8k/train.jsonl   few-shot pool
    data/gsm8k/test.jsonl    the 1319 scored problems

Each line is ``{"question": ..., "answer": "<worked solution>\\n#### <number>"}``. The
reference is the number after ``####`` (``gsm8k_dataset_postprocess``); a prediction's
number is taken by ``gsm8k_postprocess``; the two are compared as numbers.
"""
from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import DatasetError
from ..openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator
from ..registry import ICL_EVALUATORS, LOAD_DATASET
from ..utils.datasets import get_data_path
from ..utils.text_postprocessors import gsm8k_dataset_postprocess, gsm8k_postprocess
from .base import BaseDataset, Rows
from .local_files import field, iter_jsonl, non_empty, require_file

__all__ = ['GSM8KDataset', 'Gsm8kEvaluator', 'gsm8k_postprocess', 'gsm8k_dataset_postprocess']


@LOAD_DATASET.register_module()
class GSM8KDataset(BaseDataset):
    """``GSM8KDataset(path='./data/gsm8k')``: splits ``train`` and ``test``."""

    DATA_HINT = ('copy train.jsonl and test.jsonl from grade_school_math/data/ of '
                 'https://github.com/openai/grade-school-math into data/gsm8k/, or set path= '
                 'in the dataset config')

    @staticmethod
    def required_files(path: str = './data/gsm8k', **_: Any) -> list[str]:
        path = get_data_path(path)
        return [os.path.join(path, f'{split}.jsonl') for split in ('train', 'test')]

    @staticmethod
    def load(path: str = './data/gsm8k', **_: Any) -> dict[str, Rows]:
        splits = {}
        for file in GSM8KDataset.required_files(path):
            require_file(file, 'GSM8K', GSM8KDataset.DATA_HINT)
            rows = []
            for lineno, row in iter_jsonl(file):
                question = field(row, 'question', file, lineno)
                answer = str(field(row, 'answer', file, lineno))
                if '####' not in answer:
                    raise DatasetError(f"{file}:{lineno}: the answer does not end with "
                                       "'#### <number>' as GSM8K answers do")
                rows.append({'question': question, 'answer': answer})
            splits[os.path.basename(file)[:-len('.jsonl')]] = non_empty(rows, file)
        return splits


def _as_number(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text).replace(',', '').strip())
    except InvalidOperation:
        return None


@ICL_EVALUATORS.register_module()
class Gsm8kEvaluator(BaseEvaluator):
    """``accuracy``: the extracted number equals the reference number (``18`` = ``18.00``)."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        def same(pred: Any, ref: Any) -> bool:
            p, r = _as_number(pred), _as_number(ref)
            if p is None or r is None:
                return str(pred).strip() == str(ref).strip() and str(pred).strip() != ''
            return p == r

        return self.per_sample(predictions, references, same, 'accuracy')
