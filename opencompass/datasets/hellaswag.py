"""HellaSwag sentence completion, from rowanz's files or OpenCompass's own JSONL.

Two file formats are read, per line:

- rowanz/hellaswag (``data/hellaswag/hellaswag_val.jsonl``): ``ctx_a``/``ctx_b`` (or
  ``ctx``), four ``endings``, ``label`` 0-3. Contexts and endings get the standard
  clean-up (lm-evaluation-harness): ``[title]`` becomes ``. ``, other ``[bracketed]``
  markers are removed, double spaces collapse.
- OpenCompass's data archive (``path='opencompass/hellaswag'``, i.e.
  ``data/hellaswag/hellaswag.jsonl``): ``query`` (``"<activity>: <context>"``), four
  ``choices`` and ``gold`` 0-3, already cleaned.

Rows: ``{ctx, A, B, C, D, label, activity_label}``. ``label`` is the letter
(``label_format='letter'``) or the index (``'index'``). The default follows the
variant: ``HellaswagDataset`` gives the index for OpenCompass's files (as OpenCompass
does, its PPL configs key templates by 0-3) and the letter for rowanz's files (the
convention of this project's own configs); ``HellaswagDataset_V2`` always gives the
letter, ``hellaswagDataset`` always the index. ``HellaswagDataset_V3`` keeps
``query`` and ``gold`` as they are; ``HellaswagDatasetwithICE`` reads a folder with
``hellaswag_train_sampled25.jsonl`` (split ``train``) and ``hellaswag.jsonl`` (``val``).
"""
from __future__ import annotations

import os
import re
from typing import Any

from ..errors import ConfigError, DatasetError
from ..registry import LOAD_DATASET
from ..utils.datasets import get_data_path
from .base import BaseDataset, Rows
from .local_files import field, iter_jsonl, non_empty, require_file

__all__ = ['HellaswagDataset', 'hellaswagDataset', 'hellaswagDataset_V2', 'HellaswagDataset_V2',
           'HellaswagDataset_V3', 'HellaswagDatasetwithICE', 'read_hellaswag']

LETTERS = 'ABCD'
DATA_HINT = ('download hellaswag_val.jsonl from https://github.com/rowanz/hellaswag/tree/master/data '
             'into data/hellaswag/, or set path= in the dataset config')


def preprocess(text: str) -> str:
    """HellaSwag's WikiHow artefacts removed, as the published evaluations do."""
    text = text.strip().replace(' [title]', '. ')
    text = re.sub(r'\[.*?\]', '', text)
    return text.replace('  ', ' ').strip()


def _check(path: str, lineno: int, options: Any, label: Any, what: str) -> int:
    if not isinstance(options, list) or len(options) != 4:
        raise DatasetError(f'{path}:{lineno}: expected 4 {what}')
    if str(label) not in ('0', '1', '2', '3'):
        raise DatasetError(f'{path}:{lineno}: label must be 0-3, found {label!r} '
                           '(the public test split has no labels; use the val split)')
    return int(label)


def _parse(row: dict[str, Any], path: str, lineno: int) -> tuple[dict[str, Any], int, bool]:
    """(``{ctx, A-D, activity_label, query}``, gold index, is OpenCompass's format)."""
    if 'query' in row and 'choices' in row:
        query = str(row['query'])
        gold = _check(path, lineno, row['choices'], field(row, 'gold', path, lineno), 'choices')
        activity, sep, ctx = query.partition(': ')
        out = {'ctx': ctx if sep else query, 'query': query,
               'activity_label': row.get('activity_label', activity if sep else '')}
        out.update({letter: str(c) for letter, c in zip(LETTERS, row['choices'])})
        return out, gold, True
    if 'ctx_a' in row:
        ctx = f"{row['ctx_a']} {str(row.get('ctx_b', '')).capitalize()}"
    else:
        ctx = field(row, 'ctx', path, lineno)
    endings = field(row, 'endings', path, lineno)
    gold = _check(path, lineno, endings, field(row, 'label', path, lineno), 'endings')
    out = {'ctx': preprocess(str(ctx)), 'activity_label': row.get('activity_label', '')}
    out.update({letter: preprocess(str(e)) for letter, e in zip(LETTERS, endings)})
    return out, gold, False


def read_hellaswag(path: str, label_format: str | None, style: str = 'ctx') -> Rows:
    """Rows of one HellaSwag JSONL file (either format). ``label_format=None`` picks the
    index for OpenCompass's files and the letter for rowanz's; ``style='query'`` gives
    OpenCompass's V3 columns ``{query, A-D, gold}``."""
    if label_format not in (None, 'letter', 'index'):
        raise ConfigError(f"HellaswagDataset.label_format: 'letter' or 'index', got {label_format!r}")
    require_file(path, 'HellaSwag', DATA_HINT)
    rows = []
    for lineno, raw in iter_jsonl(path):
        parsed, gold, oc_format = _parse(raw, path, lineno)
        query = parsed.pop('query', f"{parsed['activity_label']}: {parsed['ctx']}")
        if style == 'query':
            rows.append({'query': query, **{k: parsed[k] for k in LETTERS}, 'gold': gold})
            continue
        fmt = label_format or ('index' if oc_format else 'letter')
        parsed['label'] = LETTERS[gold] if fmt == 'letter' else gold
        rows.append({k: parsed[k] for k in ('ctx', *LETTERS, 'label', 'activity_label')})
    return non_empty(rows, path)


@LOAD_DATASET.register_module()
class HellaswagDataset(BaseDataset):
    """``HellaswagDataset(path='opencompass/hellaswag')`` or a rowanz ``.jsonl`` file."""

    DATA_HINT = DATA_HINT
    LABEL_FORMAT: str | None = None

    @staticmethod
    def required_files(path: str = '', **_: Any) -> list[str]:
        return [get_data_path(path)]

    @classmethod
    def load(cls, path: str = '', label_format: str | None = None, **_: Any) -> Rows:
        return read_hellaswag(get_data_path(path), label_format or cls.LABEL_FORMAT)


@LOAD_DATASET.register_module()
class hellaswagDataset(HellaswagDataset):  # noqa: N801 - OpenCompass's name (PPL configs)
    """``label`` is the index 0-3."""

    LABEL_FORMAT = 'index'


@LOAD_DATASET.register_module()
class hellaswagDataset_V2(HellaswagDataset):  # noqa: N801 - OpenCompass's name (gen configs)
    """``label`` is the letter A-D."""

    LABEL_FORMAT = 'letter'


@LOAD_DATASET.register_module()
class HellaswagDataset_V2(hellaswagDataset_V2):  # noqa: N801 - OpenCompass's name
    """OpenCompass's generation variant: ``label`` is the letter A-D."""


@LOAD_DATASET.register_module()
class HellaswagDataset_V3(HellaswagDataset):  # noqa: N801 - OpenCompass's name
    """Rows ``{query, A, B, C, D, gold}``: the whole query and the gold index."""

    @classmethod
    def load(cls, path: str = '', label_format: str | None = None, **_: Any) -> Rows:
        return read_hellaswag(get_data_path(path), None, style='query')


@LOAD_DATASET.register_module()
class HellaswagDatasetwithICE(BaseDataset):
    """Splits ``train`` (25 sampled examples) and ``val`` from a folder; letter labels."""

    DATA_HINT = DATA_HINT
    FILES = (('train', 'hellaswag_train_sampled25.jsonl'), ('val', 'hellaswag.jsonl'))

    @staticmethod
    def required_files(path: str = 'opencompass/hellaswag_ice', **_: Any) -> list[str]:
        folder = get_data_path(path)
        return [os.path.join(folder, name) for _, name in HellaswagDatasetwithICE.FILES]

    @staticmethod
    def load(path: str = 'opencompass/hellaswag_ice', **_: Any) -> dict[str, Rows]:
        folder = get_data_path(path)
        return {split: read_hellaswag(os.path.join(folder, name), 'letter')
                for split, name in HellaswagDatasetwithICE.FILES}
