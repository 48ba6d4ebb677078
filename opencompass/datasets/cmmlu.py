"""``CMMLUDataset``: one CMMLU subject (67 subjects of Chinese knowledge, Li et al. 2023).

Layout (OpenCompass's data archive, dataset id ``opencompass/cmmlu``)::

    data/cmmlu/dev/<subject>.csv    5 solved examples
    data/cmmlu/test/<subject>.csv   the questions that are scored

Each file has the header ``,Question,A,B,C,D,Answer`` (the first column numbers the rows);
rows become ``{question, A, B, C, D, answer}`` with ``answer`` one of ``A``-``D``.
"""
from __future__ import annotations

from ..registry import LOAD_DATASET
from .subject_csv import SubjectCSVDataset


@LOAD_DATASET.register_module()
class CMMLUDataset(SubjectCSVDataset):
    """``CMMLUDataset(path='opencompass/cmmlu', name='agronomy')``; train split ``dev``."""

    BENCHMARK = 'CMMLU'
    DEFAULT_PATH = 'opencompass/cmmlu'
    SPLITS = ('dev', 'test')
    DEFAULT_READER = ('dev', 'test')
    DATA_HINT = ('copy the dev/ and test/ folders of data/ in https://github.com/haonan-li/CMMLU '
                 "(or unzip OpenCompass's data archive) so that data/cmmlu/{dev,test}/"
                 '<subject>.csv exist, or set path= in the dataset config')

    @staticmethod
    def file_name(name: str, split: str) -> str:
        return f'{name}.csv'
