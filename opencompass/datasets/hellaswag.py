"""``HellaswagDataset``: sentence completion, the JSONL files of rowanz/hellaswag.

Layout::

    data/hellaswag/hellaswag_val.jsonl   the scored split (test has no labels)
    data/hellaswag/hellaswag_train.jsonl

Each line has ``ctx_a``, ``ctx_b`` (or just ``ctx``), four ``endings`` and ``label``
(0-3). Contexts and endings get the standard clean-up (lm-evaluation-harness):
``[title]`` becomes ``. ``, other ``[bracketed]`` markers are removed, double spaces
collapse. Rows: ``{ctx, A, B, C, D, label, activity_label}``; ``label`` is the letter
(``label_format='letter'``) or the index as in the file (``'index'``).
"""
from __future__ import annotations

import re
from typing import Any

from ..errors import ConfigError, DatasetError
from ..registry import LOAD_DATASET
from .base import BaseDataset, Rows
from .local_files import field, iter_jsonl, non_empty, require_file

LETTERS = 'ABCD'


def preprocess(text: str) -> str:
    """HellaSwag's WikiHow artefacts removed, as the published evaluations do."""
    text = text.strip().replace(' [title]', '. ')
    text = re.sub(r'\[.*?\]', '', text)
    return text.replace('  ', ' ').strip()


@LOAD_DATASET.register_module()
class HellaswagDataset(BaseDataset):
    """``HellaswagDataset(path='./data/hellaswag/hellaswag_val.jsonl')``."""

    DATA_HINT = ('download hellaswag_val.jsonl from '
                 'https://github.com/rowanz/hellaswag/tree/master/data into data/hellaswag/, '
                 'or set path= in the dataset config')
    LABEL_FORMAT = 'letter'

    @staticmethod
    def required_files(path: str = '', **_: Any) -> list[str]:
        return [path]

    @classmethod
    def load(cls, path: str = '', label_format: str | None = None, **_: Any) -> Rows:
        label_format = label_format or cls.LABEL_FORMAT
        if label_format not in ('letter', 'index'):
            raise ConfigError(f"HellaswagDataset.label_format: 'letter' or 'index', "
                              f'got {label_format!r}')
        require_file(path, 'HellaSwag', cls.DATA_HINT)
        rows = []
        for lineno, row in iter_jsonl(path):
            if 'ctx_a' in row:
                ctx = f"{row['ctx_a']} {str(row.get('ctx_b', '')).capitalize()}"
            else:
                ctx = field(row, 'ctx', path, lineno)
            endings = field(row, 'endings', path, lineno)
            label = field(row, 'label', path, lineno)
            if not isinstance(endings, list) or len(endings) != 4:
                raise DatasetError(f'{path}:{lineno}: expected 4 endings')
            if str(label) not in ('0', '1', '2', '3'):
                raise DatasetError(f'{path}:{lineno}: label must be 0-3, found {label!r} '
                                   '(the public test split has no labels; use the val split)')
            out: dict[str, str | int] = {'ctx': preprocess(str(ctx))}
            out.update({letter: preprocess(str(e)) for letter, e in zip(LETTERS, endings)})
            out['label'] = LETTERS[int(label)] if label_format == 'letter' else int(label)
            out['activity_label'] = row.get('activity_label', '')
            rows.append(out)
        return non_empty(rows, path)


@LOAD_DATASET.register_module()
class hellaswagDataset(HellaswagDataset):  # noqa: N801 - OpenCompass's name (PPL configs)
    """OpenCompass's PPL variant: ``label`` is the index 0-3."""

    LABEL_FORMAT = 'index'


@LOAD_DATASET.register_module()
class hellaswagDataset_V2(HellaswagDataset):  # noqa: N801 - OpenCompass's name (gen configs)
    """OpenCompass's generation variant: ``label`` is the letter A-D."""

    LABEL_FORMAT = 'letter'
