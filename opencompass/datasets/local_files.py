"""Reading a benchmark's published files from a local data root, with one-line errors.

Benchmark loaders (MMLU, GSM8K, ARC, HellaSwag, BBH) never download anything: a file
that is not where the config says raises a :class:`DatasetError` naming the expected
path and how to obtain the data (the loader's ``DATA_HINT``).
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import IO, Any

from ..errors import DatasetError


def require_file(path: str, benchmark: str, hint: str) -> str:
    """Return ``path`` if it is a file, else raise one DatasetError saying how to get it."""
    if not os.path.isfile(path):
        raise DatasetError(f"{benchmark}: expected the file '{path}', which does not exist; "
                           f'{hint}')
    return path


def _open(path: str) -> IO[str]:
    return open(path, encoding='utf-8', newline='')


MAX_ROW_MB = 16  # a single row larger than this is a broken file, not a sample


def max_row_bytes() -> int:
    """The per-row size limit (``OC_MAX_ROW_MB`` overrides the default 16 MB)."""
    try:
        return int(float(os.environ.get('OC_MAX_ROW_MB', MAX_ROW_MB)) * 1024 * 1024)
    except ValueError:
        return MAX_ROW_MB * 1024 * 1024


def iter_jsonl(path: str, encoding: str = 'utf-8') -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for every non-blank line of a JSONL file.

    Errors name the file and line: invalid JSON, a line that is not an object, bytes that
    are not ``encoding`` text, a row over the size limit.
    """
    limit = max_row_bytes()
    with open(path, 'rb') as f:
        for lineno, raw in enumerate(f, 1):
            if len(raw) > limit:
                raise DatasetError(f'{path}:{lineno}: the row is {len(raw) / 2**20:.1f} MB, over '
                                   f'the {limit / 2**20:g} MB limit per row (a broken file? '
                                   'raise OC_MAX_ROW_MB if it is meant to be)')
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError as e:
                raise DatasetError(f'{path}:{lineno}: not valid {encoding} text (byte '
                                   f'{e.start + 1} of the line); re-save the file as '
                                   f'{encoding} or set encoding= on the dataset') from None
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as e:
                why = getattr(e, 'msg', e)  # a JSONDecodeError's message without the position
                raise DatasetError(f'{path}:{lineno}: not valid JSON ({why})') from None
            if not isinstance(row, dict):
                raise DatasetError(f'{path}:{lineno}: expected a JSON object per line')
            yield lineno, row


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


def field(row: dict[str, Any], key: str, path: str, lineno: int) -> Any:
    """``row[key]`` or a DatasetError naming the file and line."""
    if key not in row:
        raise DatasetError(f"{path}:{lineno}: the row has no field '{key}' "
                           f'(is this the right file?)')
    return row[key]


def non_empty(rows: list[Any], path: str) -> list[Any]:
    if not rows:
        raise DatasetError(f'{path}: the file has no samples')
    return rows
