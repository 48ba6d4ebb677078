"""An ``abbr`` names files and directories of a run: check that it is a name, not a path.

:func:`abbr_problem` says why one abbr cannot be a single safe path component;
:func:`collisions` finds entries that would share an output file (the same name once
case and Unicode normalisation are ignored, as on macOS and Windows file systems; a
``NAME_<n>`` that a split dataset's parts would also use; two model x dataset pairs
whose task files would have the same name).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from .abbr import safe_name

MAX_ABBR_BYTES = 100  # 'MODEL.DATASET+N.json' task files stay below the 255-byte limit
_BAD_CATEGORIES = frozenset({'Cc', 'Cf', 'Zl', 'Zp', 'Cs', 'Co', 'Cn'})
_PART = re.compile(r'^(.*)_(\d+)$')


def abbr_problem(abbr: object) -> str | None:
    """Why ``abbr`` is not a safe single path component, or None when it is."""
    if not isinstance(abbr, str):
        return f'expected a string, got {type(abbr).__name__}'
    if not abbr.strip():
        return 'it is empty'
    if abbr in ('.', '..'):
        return f"'{abbr}' names a directory, not a file"
    for sep, what in (('/', 'a slash'), ('\\', 'a backslash'), ('\0', 'a NUL character')):
        if sep in abbr:
            return f'it contains {what}, which makes it a path'
    bad = [ch for ch in abbr if unicodedata.category(ch) in _BAD_CATEGORIES]
    if bad:
        return f'it contains the control or invisible character {bad[0]!r}'
    if abbr.startswith('.'):
        return 'it starts with a dot (a hidden file)'
    if abbr != abbr.strip():
        return 'it starts or ends with white space'
    if len(abbr.encode('utf-8')) > MAX_ABBR_BYTES:
        return f'it is longer than {MAX_ABBR_BYTES} bytes, too long for a file name'
    return None


def fold(abbr: str) -> str:
    """The form in which two names are the same file on a case-insensitive file system."""
    return unicodedata.normalize('NFC', abbr).casefold()


def collisions(kind: str, abbrs: list[str]) -> Iterator[str]:
    """Problems for ``abbrs`` of one kind (models or datasets) that would share files."""
    seen: dict[str, str] = {}
    for abbr in abbrs:
        other = seen.setdefault(fold(abbr), abbr)
        if other != abbr:
            yield (f"{kind}: abbrs '{other}' and '{abbr}' differ only in case or Unicode form, "
                   'so they share output files on macOS and Windows; rename one')
    if kind == 'datasets':
        for abbr in abbrs:
            match = _PART.match(abbr)
            if match and fold(match.group(1)) in seen:
                yield (f"datasets: abbr '{abbr}' is also the name of part {match.group(2)} of "
                       f"dataset '{seen[fold(match.group(1))]}' when it is split into parts; "
                       'rename one')


def pair_collisions(models: list[str], datasets: list[str]) -> Iterator[str]:
    """Problems for model x dataset pairs whose task and status files would share a name."""
    seen: dict[str, tuple[str, str]] = {}
    for m in models:
        for d in datasets:
            slug = fold(safe_name(f'{m}.{d}'))
            other = seen.setdefault(slug, (m, d))
            if other != (m, d):
                yield (f"models x datasets: the pairs ('{other[0]}', '{other[1]}') and "
                       f"('{m}', '{d}') would share the task file '{safe_name(f'{m}.{d}')}.json'; "
                       'rename a model or a dataset')
                return
