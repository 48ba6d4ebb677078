"""Invented C-Eval and CMMLU files in the layout OpenCompass's data archive unpacks to.

``write_ceval(data, subjects)`` writes ``data/ceval/formal_ceval/{dev,val,test}/
<subject>_{split}.csv`` (header ``id,question,A,B,C,D,answer[,explanation]``; the test
split has no answer column, as published); ``write_cmmlu(data, subjects)`` writes
``data/cmmlu/{dev,test}/<subject>.csv`` (header ``,Question,A,B,C,D,Answer``). The
questions are simple arithmetic written in Chinese, made up here.
"""
from __future__ import annotations

import csv
import os

DIGITS = '零一二三四五六七八九十'


def _question(i: int, subject: str) -> tuple[str, list[str], str]:
    a, b = i % 5 + 1, i % 4 + 2
    right = a + b
    options = [str(right + d) for d in (0, 1, 2, 3)]
    shift = i % 4  # the right option moves around: A, B, C, D, A, ...
    options = options[-shift:] + options[:-shift] if shift else options
    return (f'（{subject}）{DIGITS[a]}加{DIGITS[b]}等于多少？', options,
            'ABCD'[options.index(str(right))])


def _write(path: str, rows: list[list[str]]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8', newline='') as f:
        csv.writer(f).writerows(rows)


def write_ceval(data: str, subjects: tuple[str, ...] | list[str], val_rows: int = 4,
                test_rows: int = 3) -> str:
    """C-Eval files for ``subjects`` under ``data``; returns the formal_ceval folder."""
    base = os.path.join(data, 'ceval', 'formal_ceval')
    for s in subjects:
        dev = [['id', 'question', 'A', 'B', 'C', 'D', 'answer', 'explanation']]
        val = [['id', 'question', 'A', 'B', 'C', 'D', 'answer']]
        test = [['id', 'question', 'A', 'B', 'C', 'D']]
        for i in range(5):
            q, opts, ans = _question(i, s)
            dev.append([str(i), q, *opts, ans, f'1. 先算加法\n2. 选{ans}'])
        for i in range(val_rows):
            q, opts, ans = _question(i + 5, s)
            val.append([str(i), q, *opts, ans])
        for i in range(test_rows):
            q, opts, _ = _question(i + 9, s)
            test.append([str(i), q, *opts])
        for split, rows in (('dev', dev), ('val', val), ('test', test)):
            _write(os.path.join(base, split, f'{s}_{split}.csv'), rows)
    return base


def write_cmmlu(data: str, subjects: tuple[str, ...] | list[str], test_rows: int = 4) -> str:
    """CMMLU files for ``subjects`` under ``data``; returns the cmmlu folder."""
    base = os.path.join(data, 'cmmlu')
    for s in subjects:
        for split, n, first in (('dev', 5, 0), ('test', test_rows, 5)):
            rows = [['', 'Question', 'A', 'B', 'C', 'D', 'Answer']]
            for i in range(n):
                q, opts, ans = _question(first + i, s)
                rows.append([str(i), q, *opts, ans])
            _write(os.path.join(base, split, f'{s}.csv'), rows)
    return base
