"""The dataset contract: ``load()`` returns rows; the reader picks columns and slices."""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from ..errors import ConfigError, DatasetError

Rows = list[dict[str, Any]]


class BaseDataset(ABC):
    """A dataset built from a config entry: ``type(reader_cfg=..., **load_kwargs)``.

    Subclasses implement the static ``load(**kwargs)`` returning either a list of
    rows (used as both the train and test split) or ``{'train': rows, 'test': rows}``.
    ``estimate_size`` may be overridden to count rows without loading them.
    """

    def __init__(self, reader_cfg: dict[str, Any] | None = None, abbr: str | None = None, **kwargs: Any):
        self.abbr = abbr
        self.reader = DatasetReader(**(reader_cfg or {}))
        splits = self.load(**kwargs)
        self.source: str | None = getattr(splits, 'source', None)  # file the rows came from
        self.test_lines: list[int] | None = None  # line of each test row in ``source``
        if isinstance(splits, dict):
            self.splits = {k: list(v) for k, v in splits.items()}
        else:
            rows = list(splits)
            self.splits = {'train': rows, 'test': rows}
            lines = getattr(splits, 'lines', None)
            if lines is not None:
                rng = self.reader.ranges['test']
                self.test_lines = apply_range(lines, rng) if rng else list(lines)
        self.train = self.reader.select(self.splits, 'train')
        self.test = self.reader.select(self.splits, 'test')

    def locate(self, index: int) -> str:
        """``FILE:LINE`` of test row ``index`` when known, else ``test row N``."""
        if self.source and self.test_lines and index < len(self.test_lines):
            return f'{self.source}:{self.test_lines[index]}'
        return f'test row {index + 1}'

    def check_test_columns(self, ids: list[int], where: str, need_output: bool) -> None:
        """Raise a DatasetError naming the file and line of the first row lacking a column."""
        self.reader.check_columns([self.test[i] for i in ids], where, need_output,
                                  locate=lambda k: self.locate(ids[k]))

    @staticmethod
    @abstractmethod
    def load(*args: Any, **kwargs: Any) -> Rows | dict[str, Rows]:
        """The rows: one list (train = test) or ``{'train': rows, 'test': rows}``."""

    @classmethod
    def estimate_size(cls, reader_cfg: dict[str, Any] | None = None, **kwargs: Any) -> int:
        """Number of test rows after ``test_range``; subclasses may count cheaply."""
        return len(cls(reader_cfg=reader_cfg, **kwargs).test)


class DatasetReader:
    """Which columns are inputs and output, which splits to use and which slice."""

    def __init__(self, input_columns: list[str] | tuple[str, ...] | str = (),
                 output_column: str | None = None,
                 train_split: str = 'train', test_split: str = 'test',
                 train_range: str | None = None, test_range: str | None = None, **_: Any):
        self.input_columns = [input_columns] if isinstance(input_columns, str) else list(input_columns)
        self.output_column = output_column
        self.split_names = {'train': train_split, 'test': test_split}
        self.ranges = {'train': train_range, 'test': test_range}
        for name, rng in self.ranges.items():
            if rng:
                parse_range(rng, f'reader_cfg.{name}_range')

    def select(self, splits: dict[str, Rows], which: str) -> Rows:
        name = self.split_names[which]
        if name not in splits:
            raise DatasetError(f"the dataset has no split '{name}' (it has: {', '.join(splits)})")
        rows = splits[name]
        rng = self.ranges[which]
        return apply_range(rows, rng) if rng else rows

    def check_columns(self, rows: Rows, source: str, need_output: bool = True,
                      locate: Callable[[int], str] | None = None) -> None:
        """Raise a DatasetError naming the first row that lacks a needed column."""
        needed = list(self.input_columns)
        if need_output and self.output_column:
            needed.append(self.output_column)
        answer = self.output_column if need_output else None
        for i, row in enumerate(rows):
            # a CSV row that is too short has the column with the value None
            missing = [c for c in needed if c not in row or (c == answer and row[c] is None)]
            blank = answer is not None and answer not in missing and \
                isinstance(row[answer], str) and not row[answer].strip()
            if missing or blank:
                at = locate(i) if locate else f'row {i + 1}'
                what = f'has no column {missing[0]!r}' if missing else \
                    f'has an empty {answer!r} (the reference answer)'
                raise DatasetError(f'{source}: {at}: the row {what} (reader_cfg needs {needed})')


_RANGE = re.compile(r'^\[\s*(-?\d*)\s*:\s*(-?\d*)\s*(?::\s*(-?\d+)\s*)?\]$')


def parse_range(text: str, where: str = 'test_range') -> slice:
    """``'[0:100]'`` / ``'[:50]'`` / ``'[10:]'`` -> slice; anything else is a ConfigError."""
    m = _RANGE.match(str(text).strip())
    if not m:
        raise ConfigError(f"{where}: '{text}' is not a range like '[0:100]'")
    start, stop, step = (int(g) if g not in (None, '') else None for g in m.groups())
    if step == 0:
        raise ConfigError(f"{where}: '{text}' has a zero step")
    return slice(start, stop, step)


def apply_range(rows: list[Any], text: str) -> list[Any]:
    return rows[parse_range(text)]
