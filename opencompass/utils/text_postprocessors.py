"""Functions that turn a model's raw text into the answer a metric compares.

Configs name them as ``pred_postprocessor=dict(type=first_option_postprocess,
options='ABCD')``; every function takes the text first, options as keywords.
"""
from __future__ import annotations

import re

from ..registry import TEXT_POSTPROCESSORS

__all__ = ['general_postprocess', 'strip_postprocess', 'first_capital_postprocess',
           'first_option_postprocess', 'last_number_postprocess', 'first_number_postprocess',
           'gsm8k_postprocess', 'first_line_postprocess']

_NUMBER = r'-?\d[\d,]*(?:\.\d+)?|-?\.\d+'


@TEXT_POSTPROCESSORS.register_module()
def strip_postprocess(text: str) -> str:
    return text.strip()


@TEXT_POSTPROCESSORS.register_module()
def first_line_postprocess(text: str) -> str:
    stripped = text.strip()
    return stripped.split('\n', 1)[0].strip() if stripped else ''


@TEXT_POSTPROCESSORS.register_module()
def general_postprocess(text: str) -> str:
    """First line, lower case, no punctuation or articles, single spaces (SQuAD style)."""
    text = first_line_postprocess(text.split('.', 1)[0] if '.' in text.strip()[1:] else text)
    text = re.sub(r'[^\w\s]', ' ', text.lower())
    text = re.sub(r'\b(a|an|the)\b', ' ', text)
    return ' '.join(text.split())


@TEXT_POSTPROCESSORS.register_module()
def first_capital_postprocess(text: str) -> str:
    for ch in text:
        if ch.isupper():
            return ch
    return ''


@TEXT_POSTPROCESSORS.register_module()
def first_option_postprocess(text: str, options: str = 'ABCD') -> str:
    """The option letter a free-form answer chose: ``The answer is (B).`` -> ``B``."""
    opts = re.escape(options)
    patterns = [
        rf'answer is:?\s*\(?([{opts}])\b',
        rf'answer:?\s*\(?([{opts}])\b',
        rf'^\s*\(?([{opts}])[\).:\s]',
        rf'^\s*\(?([{opts}])\)?\s*$',
        rf'\(([{opts}])\)',
        rf'\b([{opts}])\b',
    ]
    for pattern in patterns:
        m = re.search(pattern, text, flags=re.MULTILINE | (re.IGNORECASE if 'answer' in pattern else 0))
        if m:
            return m.group(1).upper() if 'answer' in pattern else m.group(1)
    return ''


def _clean_number(raw: str) -> str:
    value = raw.replace(',', '').rstrip('.')
    if re.fullmatch(r'-?\d+\.0+', value):
        value = value.split('.')[0]
    return value


@TEXT_POSTPROCESSORS.register_module()
def last_number_postprocess(text: str) -> str:
    """The last number in the text, commas removed: ``is 1,234.`` -> ``1234``."""
    found = re.findall(_NUMBER, text)
    return _clean_number(found[-1]) if found else ''


@TEXT_POSTPROCESSORS.register_module()
def first_number_postprocess(text: str) -> str:
    found = re.findall(_NUMBER, text)
    return _clean_number(found[0]) if found else ''


@TEXT_POSTPROCESSORS.register_module()
def gsm8k_postprocess(text: str) -> str:
    """The number after ``####`` when present (GSM8K style), else the last number."""
    if '####' in text:
        tail = text.split('####', 1)[1]
        found = re.findall(_NUMBER, tail)
        if found:
            return _clean_number(found[0])
    return last_number_postprocess(text)
