"""``CustomDataset``: rows from a local ``.jsonl``, ``.json`` or ``.csv`` file."""
from __future__ import annotations

import csv
import json
import os
from typing import Any

from ..errors import DatasetError
from ..registry import LOAD_DATASET
from .base import BaseDataset, Rows


@LOAD_DATASET.register_module()
class CustomDataset(BaseDataset):
    """Reads the file at ``path``; every line (or CSV row) is one sample."""

    @staticmethod
    def load(path: str, encoding: str = 'utf-8', **_: Any) -> Rows:
        return read_rows(path, encoding)

    @staticmethod
    def required_files(path: str = '', **_: Any) -> list[str]:
        return [path]

    @classmethod
    def estimate_size(cls, reader_cfg: dict | None = None, path: str = '', **kwargs: Any) -> int:
        """Count lines of a JSONL file without parsing it; other formats load."""
        rng = (reader_cfg or {}).get('test_range')
        if path.endswith('.jsonl') and os.path.isfile(path) and (reader_cfg or {}).get(
                'test_split', 'test') == 'test':
            with open(path, 'rb') as f:
                n = sum(1 for line in f if line.strip())
            return len(range(n)[_slice(rng)]) if rng else n
        return super().estimate_size(reader_cfg=reader_cfg, path=path, **kwargs)


def _slice(rng: str) -> slice:
    from .base import parse_range
    return parse_range(rng)


def read_rows(path: str, encoding: str = 'utf-8') -> Rows:
    """Rows of a JSONL/JSON/CSV file, with errors that name the file and line."""
    if not os.path.exists(path):
        raise DatasetError(f"dataset file not found: '{path}' (check the dataset's path= "
                           'in the config, relative to the directory you run from)')
    ext = os.path.splitext(path)[1].lower()
    try:
        with open(path, encoding=encoding, newline='') as f:
            if ext == '.jsonl':
                rows = []
                for lineno, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                    except ValueError as e:
                        raise DatasetError(f'{path}:{lineno}: not valid JSON ({e.msg})') from None
                    if not isinstance(row, dict):
                        raise DatasetError(f'{path}:{lineno}: expected a JSON object per line')
                    rows.append(row)
            elif ext == '.json':
                rows = json.load(f)
                if not isinstance(rows, list):
                    raise DatasetError(f'{path}: expected a JSON list of objects')
            elif ext == '.csv':
                rows = [dict(r) for r in csv.DictReader(f)]
            else:
                raise DatasetError(f"{path}: unsupported file type '{ext}' "
                                   '(CustomDataset reads .jsonl, .json and .csv)')
    except UnicodeDecodeError as e:
        raise DatasetError(f'{path}: not valid {encoding} text at byte {e.start}') from None
    if not rows:
        raise DatasetError(f'{path}: the dataset is empty')
    return rows
