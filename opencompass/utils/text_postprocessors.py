"""Functions that turn a model's raw text into the answer a metric compares.

Configs name them as ``pred_postprocessor=dict(type=first_option_postprocess,
options='ABCD')``; every function takes the text first, options as keywords.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from ..registry import TEXT_POSTPROCESSORS
from . import postprocessors_oc as _oc
from .postprocessors_oc import (  # noqa: F401 - OpenCompass's other names, re-exported
    extract_non_reasoning_content,
    first_capital_postprocess_multi,
    general_cn_postprocess,
    general_eval_wrapper_postprocess,
    last_capital_postprocess,
    last_option_postprocess,
    match_answer_pattern,
    multiple_select_postprocess,
    think_pred_postprocess,
    xml_tag_postprocessor,
)

__all__ = ['general_postprocess', 'strip_postprocess', 'first_capital_postprocess',
           'first_option_postprocess', 'last_number_postprocess', 'first_number_postprocess',
           'gsm8k_postprocess', 'gsm8k_dataset_postprocess', 'first_line_postprocess',
           *_oc.__all__]

# A number: optional minus (not glued to a preceding word or digit, so ``2020-2021`` is two
# positive years), then digits with *proper* thousands commas (``1,234``; ``1,2`` is two
# numbers), an optional decimal part, or a bare decimal ``.5``.
_NUMBER = re.compile(r'(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|(?<![\w.])-?\.\d+')
_MINUS = str.maketrans({'\u2212': '-', '\u2012': '-', '\u2013': '-', '\ufe63': '-'})


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


def _normalize_text(text: str) -> str:
    """NFKC (full-width letters, digits and brackets become ASCII), unicode minus signs
    become ``-`` and markdown emphasis is dropped, so patterns see plain text."""
    text = unicodedata.normalize('NFKC', str(text)).translate(_MINUS)
    return re.sub(r'[*_`]+', '', text)


# words that, right after a letter, make it the subject of a verdict (``A is correct``,
# ``A because ...``), so the letter is the chosen option and not the article ``A``
_VERDICT_WORDS = frozenset({
    'is', 'was', 'would', 'will', 'should', 'could', 'can', 'must', 'might', 'may', 'seems',
    'appears', 'looks', 'sounds', 'fits', 'matches', 'because', 'since', 'as', 'and', 'or',
    'but', 'then', 'so', 'therefore', 'thus', 'hence', 'which', 'does', 'has', 'describes',
    'gives', 'explains', 'states', 'says', 'holds', 'applies', 'answers', 'remains',
    'correctly', 'clearly', 'also', 'only', 'alone', 'here'})


def _is_word_use(text: str, m: re.Match[str]) -> bool:
    """True when a matched ``A``/``I`` is the English article/pronoun (``A good choice``,
    ``I think``), not an option letter (``A is correct``, ``A because ...``)."""
    if m.group(1) not in 'AaIi':
        return False
    word = re.match(r'\s+([a-z]+)', text[m.end(1):])
    if word is None:
        return False
    return m.group(1) in 'Ii' or word.group(1) not in _VERDICT_WORDS


@TEXT_POSTPROCESSORS.register_module()
def first_option_postprocess(text: str, options: str = 'ABCD') -> str:
    """The option letter a free-form answer chose, or '' when it names none.

    Tried in order, the first hit wins: an explicit statement (``The answer is (B).``,
    ``Answer: b``, ``correct option is C``, ``答案是B``), ``Option B``, a letter opening a
    line (``B.``, ``(B)``, ``B: text``), a parenthesised letter anywhere, a standalone
    letter anywhere. ``A``/``I`` used as ordinary words (``A good answer is ...``) never count.
    """
    text = _normalize_text(text)
    opts = ''.join(dict.fromkeys(str(options)))
    if not opts:
        return ''
    letter = f'[{re.escape(opts)}]'
    any_case = f'(?i:{letter})'
    patterns = [
        rf'(?i:answer|choice|option)s?\s*(?:(?i:is|would be|should be|will be)\s*[:：]?|[:：=])'
        rf'\s*(?i:option|choice)?\s*[\(\[]?({any_case})(?![\w\'’])',
        rf'(?:答案|选项)\s*(?:是|为|應為|应为|应该是)?\s*[:：]?\s*[\(\[]?({any_case})(?![\w])',
        rf'\b(?i:option|choice)\s*[\(\[]?({letter})(?![\w\'’])',
        rf'^\s*[\(\[]?({letter})(?:[\)\]]|[.:：,](?!\d)|\s*$|\s+(?=\S))',
        rf'[\(\[]({letter})[\)\]]',
        rf'(?<![\w\'’])({letter})(?![\w\'’])',
    ]
    for pattern in patterns:
        for m in re.finditer(pattern, text, flags=re.MULTILINE):
            if _is_word_use(text, m):
                continue
            found = m.group(1)
            return found if found in opts else next(o for o in opts if o.lower() == found.lower())
    return ''


def _clean_number(raw: str) -> str:
    """Canonical text of a matched number: no commas, no trailing zeros, ASCII digits.
    ``1,234.50`` -> ``1234.5``; ``5.0`` -> ``5``; ``.5`` -> ``0.5``; ``-0`` -> ``0``."""
    value = ''.join(str(unicodedata.decimal(c)) if c.isdigit() else c for c in raw)
    value = value.replace(',', '')
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), 'f')


def _numbers(text: str) -> list[str]:
    return [_clean_number(m.group(0)) for m in _NUMBER.finditer(_normalize_text(text))]


@TEXT_POSTPROCESSORS.register_module()
def last_number_postprocess(text: str) -> str:
    """The last number in the text, canonical: ``costs $1,234.`` -> ``1234``, ``−7`` -> ``-7``."""
    found = _numbers(text)
    return found[-1] if found else ''


@TEXT_POSTPROCESSORS.register_module()
def first_number_postprocess(text: str) -> str:
    """The first number in the text, canonical like :func:`last_number_postprocess`."""
    found = _numbers(text)
    return found[0] if found else ''


@TEXT_POSTPROCESSORS.register_module()
def gsm8k_postprocess(text: str) -> str:
    """A GSM8K answer: text the model went on to write after its answer (a new
    ``Question:``) is dropped; then the number after ``####``, else the first number after
    the last ``answer is``, else the last number."""
    head = text.split('Question:', 1)[0]
    text = head if head.strip() else text
    if '####' in text:
        found = _numbers(text.split('####', 1)[1])
        if found:
            return found[0]
    tails = re.split(r'(?i)answer is', text)
    if len(tails) > 1:
        found = _numbers(tails[-1])
        if found:
            return found[0]
    return last_number_postprocess(text)


@TEXT_POSTPROCESSORS.register_module()
def gsm8k_dataset_postprocess(text: str) -> str:
    """The reference number of a GSM8K solution: what follows ``####``, canonical."""
    tail = text.split('####')[-1]
    found = _numbers(tail)
    return found[0] if found else tail.strip()


# OpenCompass's registry aliases of the functions above (``type='general'`` etc.)
for _alias, _func in (('general', general_postprocess), ('first-capital', first_capital_postprocess),
                      ('gsm8k', gsm8k_postprocess), ('gsm8k_dataset', gsm8k_dataset_postprocess)):
    TEXT_POSTPROCESSORS.register_module(_alias)(_func)
