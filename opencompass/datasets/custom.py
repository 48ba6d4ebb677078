"""``CustomDataset``: rows from a local ``.jsonl``, ``.json`` or ``.csv`` file."""
from __future__ import annotations

import csv
import json
import os
from typing import Any

from ..errors import DatasetError
from ..registry import LOAD_DATASET
from ..utils.datasets import get_data_path
from ..utils.datasets_info import DATASET_IDS
from .base import BaseDataset, Rows
from .local_files import iter_jsonl, max_row_bytes


@LOAD_DATASET.register_module()
class CustomDataset(BaseDataset):
    """Reads the file at ``path`` (or ``file_name`` in the folder ``path``, which may be an
    OpenCompass dataset id such as ``opencompass/math``); every line (or CSV row) is one sample."""

    @staticmethod
    def load(path: str, encoding: str = 'utf-8', file_name: str | None = None, **_: Any) -> Rows:
        return read_rows(_file(path, file_name), encoding)

    @staticmethod
    def required_files(path: str = '', file_name: str | None = None, **_: Any) -> list[str]:
        return [_file(path, file_name)]  # relative: under $COMPASS_DATA_CACHE if there

    @classmethod
    def estimate_size(cls, reader_cfg: dict[str, Any] | None = None, path: str = '', **kwargs: Any) -> int:
        """Count lines of a JSONL file without parsing it; other formats load."""
        rng = (reader_cfg or {}).get('test_range')
        if path.endswith('.jsonl') and os.path.isfile(path) and (reader_cfg or {}).get(
                'test_split', 'test') == 'test':
            with open(path, 'rb') as f:
                n = sum(1 for line in f if line.strip())
            return len(range(n)[_slice(rng)]) if rng else n
        return super().estimate_size(reader_cfg=reader_cfg, path=path, **kwargs)


def _file(path: str, file_name: str | None) -> str:
    """The data file: ``path``, or ``file_name`` in the folder ``path`` (an id in that case is
    looked up as OpenCompass's ``CustomDataset`` does)."""
    if not file_name:
        return get_data_path(path, local_mode=True)
    return os.path.join(get_data_path(path, local_mode=path not in DATASET_IDS), file_name)


def _slice(rng: str) -> slice:
    from .base import parse_range
    return parse_range(rng)


class RowList(list[Any]):
    """Rows read from a file, remembering the file and each row's line (for errors)."""

    def __init__(self, rows: Rows, source: str, lines: list[int] | None = None):
        super().__init__(rows)
        self.source = source
        self.lines = lines


def read_rows(path: str, encoding: str = 'utf-8') -> Rows:
    """Rows of a JSONL/JSON/CSV file, with errors that name the file and line."""
    if not os.path.exists(path):
        raise DatasetError(f"dataset file not found: '{path}' (check the dataset's path= "
                           'in the config, relative to the directory you run from)')
    if os.path.isdir(path):
        raise DatasetError(f"'{path}' is a directory; CustomDataset's path= names a .jsonl, "
                           '.json or .csv file')
    ext = os.path.splitext(path)[1].lower()
    if ext == '.jsonl':
        rows = _read_jsonl(path, encoding)
    else:
        try:
            rows = _read_whole(path, encoding, ext)
        except UnicodeDecodeError as e:
            raise DatasetError(f'{path}: not valid {encoding} text at byte {e.start}') from None
    if not rows:
        raise DatasetError(f'{path}: the dataset is empty')
    return rows


def _read_jsonl(path: str, encoding: str) -> RowList:
    rows, lines = [], []
    for lineno, row in iter_jsonl(path, encoding):
        rows.append(row)
        lines.append(lineno)
    return RowList(rows, path, lines)


def _read_whole(path: str, encoding: str, ext: str) -> RowList:
    with open(path, encoding=encoding, newline='') as f:
        if ext == '.json':
            try:
                rows = json.load(f)
            except ValueError as e:
                raise DatasetError(f'{path}: not valid JSON ({e})') from None
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise DatasetError(f'{path}: expected a JSON list of objects')
            return RowList(rows, path)
        if ext == '.csv':
            csv.field_size_limit(max_row_bytes())
            reader = csv.DictReader(f)
            rows, lines = [], []
            try:
                for row in reader:
                    rows.append(dict(row))
                    lines.append(reader.line_num)
            except csv.Error as e:
                raise DatasetError(f'{path}:{reader.line_num}: not valid CSV ({e})') from None
            return RowList(rows, path, lines)
    raise DatasetError(f"{path}: unsupported file type '{ext}' "
                       '(CustomDataset reads .jsonl, .json and .csv)')
