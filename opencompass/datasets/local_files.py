"""Reading a benchmark's published files from a local data root, with one-line errors.

Benchmark loaders (MMLU, GSM8K, ARC, HellaSwag, BBH) never download anything: a file
that is not where the config says raises a :class:`DatasetError` naming the expected
path and how to obtain the data (the loader's ``DATA_HINT``).
"""
from __future__ import annotations

import json
import os
from typing import Any, Iterator

from ..errors import DatasetError


def require_file(path: str, benchmark: str, hint: str) -> str:
    """Return ``path`` if it is a file, else raise one DatasetError saying how to get it."""
    if not os.path.isfile(path):
        raise DatasetError(f"{benchmark}: expected the file '{path}', which does not exist; "
                           f'{hint}')
    return path


def _open(path: str) -> Any:
    return open(path, encoding='utf-8', newline='')


def iter_jsonl(path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for every non-blank line of a JSONL file."""
    try:
        with _open(path) as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError as e:
                    raise DatasetError(f'{path}:{lineno}: not valid JSON ({e.msg})') from None
                if not isinstance(row, dict):
                    raise DatasetError(f'{path}:{lineno}: expected a JSON object per line')
                yield lineno, row
    except UnicodeDecodeError as e:
        raise DatasetError(f'{path}: not valid UTF-8 text at byte {e.start}') from None


def read_json_file(path: str) -> Any:
    try:
        with _open(path) as f:
            return json.load(f)
    except UnicodeDecodeError as e:
        raise DatasetError(f'{path}: not valid UTF-8 text at byte {e.start}') from None
    except ValueError as e:
        raise DatasetError(f'{path}: not valid JSON ({e})') from None


def read_text(path: str) -> str:
    try:
        with _open(path) as f:
            return f.read()
    except UnicodeDecodeError as e:
        raise DatasetError(f'{path}: not valid UTF-8 text at byte {e.start}') from None


def field(row: dict, key: str, path: str, lineno: int) -> Any:
    """``row[key]`` or a DatasetError naming the file and line."""
    if key not in row:
        raise DatasetError(f"{path}:{lineno}: the row has no field '{key}' "
                           f'(is this the right file?)')
    return row[key]


def non_empty(rows: list, path: str) -> list:
    if not rows:
        raise DatasetError(f'{path}: the file has no samples')
    return rows
