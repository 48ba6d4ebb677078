"""``CEvalDataset``: one C-Eval subject (52 Chinese exam subjects, Huang et al. 2023).

Layout (OpenCompass's data archive, dataset id ``opencompass/ceval-exam``)::

    data/ceval/formal_ceval/dev/<subject>_dev.csv     5 solved examples with explanations
    data/ceval/formal_ceval/val/<subject>_val.csv     questions with answers
    data/ceval/formal_ceval/test/<subject>_test.csv   questions without public answers

Each file has a header row (``id,question,A,B,C,D[,answer[,explanation]]``). Rows become
``{id, question, A, B, C, D, answer, explanation}``; ``explanation`` is ``''`` where the
file has none. The test split's answers are not published, so OpenCompass's configs score
``val`` (``test_split='val'``); a config that scores ``test`` stops with one line saying so
(its predictions can still be made, with ``-m infer``, for the benchmark's own site).
"""
from __future__ import annotations

from typing import Any

from ..registry import LOAD_DATASET
from .base import Rows
from .subject_csv import SubjectCSVDataset


@LOAD_DATASET.register_module()
class CEvalDataset(SubjectCSVDataset):
    """``CEvalDataset(path='opencompass/ceval-exam', name='computer_network')``."""

    BENCHMARK = 'C-Eval'
    DEFAULT_PATH = 'opencompass/ceval-exam'
    SPLITS = ('dev', 'val', 'test')
    UNANSWERED = ('test',)
    DEFAULT_READER = ('dev', 'val')
    DATA_HINT = ('unzip ceval-exam.zip from https://huggingface.co/datasets/ceval/ceval-exam '
                 "(or OpenCompass's data archive) so that data/ceval/formal_ceval/"
                 '{dev,val,test}/<subject>_{dev,val,test}.csv exist, or set path= in the '
                 'dataset config')

    @classmethod
    def load(cls, path: str = '', name: str = '', local_mode: bool = False,
             **kwargs: Any) -> dict[str, Rows]:
        splits = super().load(path, name, **kwargs)
        for rows in splits.values():
            for row in rows:
                row.setdefault('explanation', '')
        return splits
