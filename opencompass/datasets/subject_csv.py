"""Exams published as one CSV file per subject and split, with a header row (C-Eval, CMMLU).

:class:`SubjectCSVDataset` is the shared loader: ``load(path, name)`` reads every split file
of subject ``name`` that exists into rows ``{question, A, B, C, D, answer, ...}``; the splits
the dataset entry's ``reader_cfg`` uses (``train_split``/``test_split``) must exist, else one
:class:`DatasetError` names the expected file. Header names are matched case-insensitively
(CMMLU writes ``Question``/``Answer``); other columns (C-Eval's ``id``, ``explanation``) are
kept as they are. A split that publishes answers must have ``A``-``D`` in every row; a split
that does not (C-Eval's ``test``) gets ``answer=''`` and is never scored (see
:meth:`SubjectCSVDataset.check_test_columns`).
"""
from __future__ import annotations

import csv
import os
from typing import Any

from ..errors import DatasetError
from ..utils.datasets import get_data_path
from .base import BaseDataset, Rows
from .local_files import non_empty, require_file

ANSWERS = ('A', 'B', 'C', 'D')
QUESTION_COLUMNS = ('question', 'A', 'B', 'C', 'D')


def read_exam_csv(path: str, answered: bool) -> Rows:
    """Rows of one exam CSV with a header. ``answered``: every row must have an answer A-D."""
    rows: Rows = []
    try:
        with open(path, encoding='utf-8-sig', newline='') as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if not header:
                raise DatasetError(f'{path}: the file is empty (expected a header row naming '
                                   'question,A,B,C,D and the answer)')
            names = _column_names(header, path, answered)
            for record in reader:
                if not record or all(not c.strip() for c in record):
                    continue
                if len(record) != len(header):
                    raise DatasetError(f'{path}:{reader.line_num}: expected {len(header)} fields '
                                       f'like the header row, found {len(record)}')
                row = {name: value for name, value in zip(names, record) if name is not None}
                row['answer'] = row.get('answer', '').strip()
                if row['answer'] not in ANSWERS and (answered or row['answer']):
                    raise DatasetError(f"{path}:{reader.line_num}: the answer must be A, B, C or "
                                       f"D, found {row['answer']!r}")
                rows.append(row)
    except UnicodeDecodeError as e:
        raise DatasetError(f'{path}: not valid UTF-8 text at byte {e.start}') from None
    except csv.Error as e:
        raise DatasetError(f'{path}: not a readable CSV file ({e})') from None
    return non_empty(rows, path)


def _column_names(header: list[str], path: str, answered: bool) -> list[str | None]:
    """The row key of each header field: ours for the known columns, else the field's own
    name; ``None`` for an unnamed field (CMMLU's leading row number)."""
    known = {c.lower(): c for c in (*QUESTION_COLUMNS, 'answer')}
    names = [known.get(h.strip().lower(), h.strip()) or None for h in header]
    needed = QUESTION_COLUMNS + (('answer',) if answered else ())
    missing = [c for c in needed if c not in names]
    if missing:
        raise DatasetError(f"{path}: the header row has no column {missing[0]!r} (it has "
                           f"{', '.join(repr(h) for h in header)}; expected "
                           f"{','.join(needed)})")
    return names


class SubjectCSVDataset(BaseDataset):
    """One subject of an exam benchmark laid out as ``<path>/<split>/<file>`` CSVs."""

    BENCHMARK = ''
    DEFAULT_PATH = ''
    SPLITS: tuple[str, ...] = ()      # the splits the benchmark publishes
    UNANSWERED: tuple[str, ...] = ()  # those of them without public answers
    DEFAULT_READER = ('dev', 'test')  # train/test splits when no reader_cfg is given
    DATA_HINT = ''

    def __init__(self, reader_cfg: dict[str, Any] | None = None, abbr: str | None = None,
                 **kwargs: Any):
        for file in self.required_files(reader_cfg=reader_cfg, **kwargs):
            require_file(file, self.BENCHMARK, self.DATA_HINT)
        super().__init__(reader_cfg=reader_cfg, abbr=abbr, **kwargs)

    @staticmethod
    def file_name(name: str, split: str) -> str:
        return f'{name}_{split}.csv'

    @classmethod
    def split_file(cls, path: str, name: str, split: str) -> str:
        return os.path.join(path, split, cls.file_name(name, split))

    @classmethod
    def used_splits(cls, reader_cfg: dict[str, Any] | None) -> list[str]:
        if not reader_cfg:
            return list(cls.DEFAULT_READER)
        used = [reader_cfg.get('train_split', 'train'), reader_cfg.get('test_split', 'test')]
        return [s for s in dict.fromkeys(used) if s in cls.SPLITS]

    @classmethod
    def required_files(cls, path: str = '', name: str = '',
                       reader_cfg: dict[str, Any] | None = None, **_: Any) -> list[str]:
        """The files of the splits the reader uses (which must exist), then the subject's
        other split files that exist (so a change to them is noticed too)."""
        if not name:
            raise DatasetError(f'{cls.__name__} needs name=<subject> (one of the subject '
                               f'folders of {cls.BENCHMARK})')
        root = get_data_path(path or cls.DEFAULT_PATH)
        if not os.path.isdir(root):  # one line for all the subjects, not one per file
            raise DatasetError(f"{cls.BENCHMARK}: expected the folder '{root}', which does not "
                               f'exist; {cls.DATA_HINT}')
        used = cls.used_splits(reader_cfg)
        others = [cls.split_file(root, name, s) for s in cls.SPLITS if s not in used]
        return [cls.split_file(root, name, s) for s in used] + [f for f in others
                                                                if os.path.isfile(f)]

    @classmethod
    def load(cls, path: str = '', name: str = '', **_: Any) -> dict[str, Rows]:
        root = get_data_path(path or cls.DEFAULT_PATH)
        splits = {}
        for split in cls.SPLITS:
            file = cls.split_file(root, name, split)
            if os.path.isfile(file):
                splits[split] = read_exam_csv(file, answered=split not in cls.UNANSWERED)
        if not splits:
            require_file(cls.split_file(root, name, cls.DEFAULT_READER[-1]), cls.BENCHMARK,
                         cls.DATA_HINT)
        return splits

    def check_test_columns(self, ids: list[int], where: str, need_output: bool) -> None:
        """As the base class; scoring a split without public answers is refused by name."""
        test_split = self.reader.split_names['test']
        if need_output and test_split in self.UNANSWERED and self.reader.output_column and \
                any(not self.test[i].get(self.reader.output_column) for i in ids):
            raise DatasetError(
                f"{where}: {self.BENCHMARK} publishes no answers for its '{test_split}' split, so "
                'it cannot be scored here (the predictions are kept for a submission to the '
                "benchmark's site); score test_split='val' instead, as OpenCompass's configs do")
        super().check_test_columns(ids, where, need_output)
