"""The MATH benchmark: ``MATHDataset``, its answer post-processors and ``MATHEvaluator``.

Problems come from OpenCompass's data archive (``data/math/math.json``, a dict of
``id -> {problem, level, type, solution}``); the reference is the content of the last
``\\boxed{...}`` of the worked solution. A prediction's answer is taken by
``math_postprocess_v2`` (the last box, else the sentence saying "answer is", else the
last number) or ``math_postprocess`` (the sentence saying "final answer"). Two answers
are equal (:func:`is_equiv`) when their normalised text is equal (spaces, ``\\left``/
``\\right``, ``\\text{}`` wrappers, trailing units, ``$``, ``\\!``, thousands commas, a
trailing period and ``^\\circ`` dropped; ``\\dfrac`` is ``\\frac``, ``\\frac12`` is
``\\frac{1}{2}``; ``x = 5`` is ``5``; ``\\text{(C)}`` is ``C``; words ignore case) or
when both are numbers (integers, decimals, ``a/b``, ``\\frac{a}{b}``) of equal value; a
percentage equals both its number (``25\\%`` = ``25``, MATH's convention) and its
fraction (``25\\%`` = ``0.25``). An empty or missing answer is never equal.
"""
from __future__ import annotations

import os
import re
from fractions import Fraction
from typing import Any

from ..errors import DatasetError
from ..openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator
from ..registry import ICL_EVALUATORS, LOAD_DATASET, TEXT_POSTPROCESSORS
from ..utils.datasets import get_data_path
from ..utils.text_postprocessors import last_number_postprocess
from .base import BaseDataset, Rows
from .local_files import iter_jsonl, non_empty, read_json_file, require_file

__all__ = ['MATHDataset', 'MATHEvaluator', 'math_postprocess', 'math_postprocess_v2',
           'extract_boxed_answer', 'last_boxed_only_string', 'remove_boxed',
           'normalize_final_answer', 'is_equiv']


# -- boxes ---------------------------------------------------------------------------------

def last_boxed_only_string(text: str) -> str | None:
    """``\\boxed{...}`` (braces balanced) of the last box in ``text``, or None."""
    start = max(text.rfind('\\boxed'), text.rfind('\\fbox'))
    if start < 0:
        return None
    brace = text.find('{', start)
    if brace < 0 or text[start:brace].strip() not in ('\\boxed', '\\fbox'):  # ``\\boxed 5``
        m = re.match(r'\\(?:boxed|fbox) +([^\s$]+)', text[start:])
        return m.group(0) if m else None
    depth = 0
    for i in range(brace, len(text)):
        if text[i] == '{':
            depth += 1
        elif text[i] == '}':
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
    return None


def remove_boxed(boxed: str | None) -> str | None:
    """``\\boxed{X}`` / ``\\fbox{X}`` / ``\\boxed X`` -> ``X``; anything else -> None."""
    if not boxed:
        return None
    m = re.fullmatch(r'\\(?:boxed|fbox)\s*\{(.*)\}', boxed, re.S) or \
        re.fullmatch(r'\\(?:boxed|fbox) +(\S+)', boxed)
    return m.group(1) if m else None


def extract_boxed_answer(text: str, strip_double_curly_brace: bool = False) -> str | None:
    """The content of the last box: ``... \\boxed{\\frac{1}{2}}`` -> ``\\frac{1}{2}``.

    ``strip_double_curly_brace`` also unwraps ``\\boxed{{X}}`` to ``X``.
    """
    answer = remove_boxed(last_boxed_only_string(str(text)))
    if answer is None:
        return None
    answer = answer.strip()
    if strip_double_curly_brace:
        m = re.fullmatch(r'\{(.*)\}', answer, re.S)
        if m and _balanced(m.group(1)):
            answer = m.group(1).strip()
    return answer


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {'{': 1, '}': -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


# -- normalising one answer ----------------------------------------------------------------

# unit words dropped after a number (``5 cm``, ``12 \\text{ dollars}``)
UNITS = ('square', 'sq', 'units', 'unit', 'dollars', 'dollar', 'cents', 'cent', 'mph', 'inches', 'inch',
         'feet', 'foot', 'ft', 'hours', 'hour', 'minutes', 'minute', 'seconds', 'second', 'km', 'cm',
         'mm', 'meters', 'meter', 'm', 'miles', 'mile', 'pounds', 'pound', 'degrees', 'degree',
         'ways', 'points', 'students', 'people', 'days', 'day', 'years', 'year')
_UNIT_WORDS = '|'.join(UNITS)
_UNIT_TAIL = re.compile(r'(?<=[\d}])\s*(?:\\(?:text|mbox|mathrm)\{\s*)?(?:(?:' + _UNIT_WORDS
                        + r')\b\s*)+(?:\^?\{?[23]\}?)?\}?$')
_ANSWER_IS = re.compile(r'(?i)(?:final answer|answer)\s*(?:is|:)\s*:?')


def _unwrap(text: str, command: str) -> str:
    """``\\command{X}`` -> ``X`` for every occurrence (innermost braces balanced)."""
    pattern = re.compile('\\\\' + command + r'\s*\{([^{}]*)\}')
    while True:
        new = pattern.sub(r'\1', text)
        if new == text:
            return text
        text = new


def normalize_final_answer(answer: str) -> str:
    """A final answer without the words and markup around it.

    ``The final answer is $18$. I hope it is correct.`` -> ``18``;
    ``$\\boxed{\\dfrac12}$`` -> ``\\frac{1}{2}``; ``5 \\text{ cm}`` -> ``5``;
    ``10,000`` -> ``10000``; spaces are dropped.
    """
    text = str(answer).replace('\n', ' ').strip()
    found = _ANSWER_IS.split(text)
    if len(found) > 1:
        text = found[-1]
    text = re.sub(r'(?i)\s*I hope it is correct\.?\s*$', '', text).strip()
    boxed = extract_boxed_answer(text, strip_double_curly_brace=True)
    if boxed is not None:
        text = boxed
    text = text.replace('\\$', '')  # an escaped dollar sign is a currency, not math mode
    spans = re.findall(r'\$+([^$]+)\$+', text)
    if spans:
        text = spans[-1]
    text = text.strip().rstrip('.').strip().replace('$', '')
    text = text.replace('\\!', '').replace('\\,', '').replace('\\;', '')
    text = text.replace('\\ ', ' ').replace('dfrac', 'frac').replace('tfrac', 'frac')
    text = text.replace('\\left', '').replace('\\right', '')
    text = text.replace('^{\\circ}', '').replace('^\\circ', '').replace('\\%', '%')
    text = _UNIT_TAIL.sub('', text).strip()
    for command in ('text', 'textbf', 'mbox', 'mathrm', 'boxed'):
        text = _unwrap(text, command)
    text = re.sub(r'^\((\w)\)$', r'\1', text.strip())  # ``(C)`` -> ``C``
    text = re.sub(r'\\frac(\d)(\d)', r'\\frac{\1}{\2}', text)
    text = re.sub(r'\\frac\{([^{}]*)\}(\d)', r'\\frac{\1}{\2}', text)
    text = re.sub(r'\\frac(\d)\{', r'\\frac{\1}{', text)
    text = re.sub(r'\\sqrt(\w)', r'\\sqrt{\1}', text)
    text = re.sub(r'\s+', '', text)
    if re.fullmatch(r'-?\d{1,3}(,\d{3})+(\.\d+)?', text):
        text = text.replace(',', '')
    return text.rstrip('.')


def _strip(text: str) -> str:
    s = normalize_final_answer(text)
    s = re.sub(r'^[a-zA-Z]\w?=(?!=)', '', s)  # ``x=5`` / ``k=5`` -> ``5``
    s = re.sub(r'(\d)\.0+(?!\d)', r'\1', s)  # ``5.00`` -> ``5``
    return s.lower() if re.fullmatch(r'[A-Za-z ]{2,}', s) else s


def _number(text: str) -> Fraction | None:
    s = text.rstrip('%')
    m = re.fullmatch(r'(-?)\\frac\{(-?\d+)\}\{(-?\d+)\}', s) or re.fullmatch(r'(-?)(-?\d+)/(-?\d+)', s)
    try:
        if m:
            value = Fraction(int(m.group(2)), int(m.group(3)))
            return -value if m.group(1) else value
        if re.fullmatch(r'-?(\d+\.?\d*|\.\d+)', s):
            return Fraction(s)
    except (ValueError, ZeroDivisionError):
        return None
    return None


def is_equiv(pred: Any, ref: Any) -> bool:
    """Equal after normalisation, or the same number (see the module docstring)."""
    if pred is None or ref is None or str(pred).strip() == '':
        return False
    a, b = _strip(str(pred)), _strip(str(ref))
    if a == '' or b == '':
        return False
    if a == b or a.rstrip('%') == b.rstrip('%') and a.rstrip('%') != '':
        return True
    na, nb = _number(a), _number(b)
    if na is None or nb is None:
        return False
    if na == nb:  # ``25%`` = ``25``: MATH drops percent signs
        return True
    pa = na / 100 if a.endswith('%') else na
    pb = nb / 100 if b.endswith('%') else nb
    return pa == pb  # ``25%`` = ``0.25``


# -- post-processors -------------------------------------------------------------------------

def _sentences(text: str) -> list[str]:
    """Sentences split at periods that are not decimal points, and at line breaks."""
    return [s for s in re.split(r'(?<!\d)\.(?!\d)|\.(?=\s)|\.$|\n', text) if s.strip()]


@TEXT_POSTPROCESSORS.register_module()
def math_postprocess(text: str) -> str:
    """The answer in the sentence saying "final answer" (else the first sentence), normalised."""
    text = str(text)
    for sentence in _sentences(text):
        if 'final answer' in sentence.lower():
            return normalize_final_answer(sentence)
    first = _sentences(text)
    return normalize_final_answer(first[0]) if first else ''


@TEXT_POSTPROCESSORS.register_module()
def math_postprocess_v2(text: str) -> str:
    """The last boxed answer, else the sentence saying "answer is", else the last number."""
    text = str(text)
    boxed = extract_boxed_answer(text, strip_double_curly_brace=True)
    if boxed:
        return boxed
    for sentence in _sentences(text):
        if re.search(r'(?i)final answer|answer is', sentence):
            found = normalize_final_answer(sentence)
            if found:
                return found
    return str(last_number_postprocess(text))


# -- dataset and evaluator -------------------------------------------------------------------

@LOAD_DATASET.register_module()
class MATHDataset(BaseDataset):
    """``MATHDataset(path='opencompass/math', file_name='math.json')``: the problems, train = test.

    ``file_name`` is a ``.json`` dict ``id -> {problem, solution, ...}`` (or a list of such
    objects) or a ``.jsonl`` with one per line (``test_prm800k_500.json``); ``path`` may
    also name the file itself. Rows are ``{problem, solution}``, the solution being the
    content of its last ``\\boxed{}`` (rows with an ``answer`` field use that).
    """

    DATA_HINT = ("unzip OpenCompass's data archive (it has data/math/math.json) or its math.zip "
                 '(http://opencompass.oss-cn-shanghai.aliyuncs.com/datasets/data/math.zip, which also '
                 'has test_prm800k_500.json) under $COMPASS_DATA_CACHE, or set path= and file_name= '
                 'in the dataset config')

    @staticmethod
    def required_files(path: str = 'opencompass/math', file_name: str = 'math.json',
                       **_: Any) -> list[str]:
        path = get_data_path(path)
        return [path if os.path.isfile(path) else os.path.join(path, file_name)]

    @staticmethod
    def load(path: str = 'opencompass/math', file_name: str = 'math.json', **_: Any) -> Rows:
        file = require_file(MATHDataset.required_files(path, file_name)[0], 'MATH',
                            MATHDataset.DATA_HINT)
        if file.endswith('.jsonl'):
            items = [(str(n), row) for n, row in iter_jsonl(file)]
        else:
            data = read_json_file(file)
            if isinstance(data, dict):
                items = [(str(k), v) for k, v in data.items()]
            elif isinstance(data, list):
                items = [(str(i), v) for i, v in enumerate(data)]
            else:
                raise DatasetError(f'{file}: expected a JSON object of problems or a list of them')
        return non_empty([_row(file, key, item) for key, item in items], file)


def _row(file: str, key: str, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or 'problem' not in item or 'solution' not in item:
        raise DatasetError(f"{file}: problem {key!r} is not an object with 'problem' and 'solution'")
    answer = item.get('answer')
    if answer in (None, ''):
        answer = extract_boxed_answer(str(item['solution']))
    if not answer:
        raise DatasetError(f"{file}: problem {key!r}: the solution has no \\boxed{{}} answer")
    return {'problem': item['problem'], 'solution': answer}


@ICL_EVALUATORS.register_module()
class MATHEvaluator(BaseEvaluator):
    """``accuracy``: the answer equals the reference as LaTeX text or as a number.

    ``version`` ('v1' or 'v2') is accepted for OpenCompass configs; both compare with
    :func:`is_equiv`, whose clean-up already includes what v2 adds to v1 (units, ``%``,
    ``5.00`` = ``5``).
    """

    def __init__(self, version: str = 'v1', pred_postprocessor: dict[str, Any] | None = None,
                 **_: Any):
        if version not in ('v1', 'v2'):
            from ..errors import ConfigError
            raise ConfigError(f"MATHEvaluator.version: 'v1' or 'v2', got {version!r}")
        self.version = version
        self.pred_postprocessor = pred_postprocessor

    def is_equiv(self, pred: Any, ref: Any) -> bool:
        return is_equiv(pred, ref)

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        if self.pred_postprocessor:  # OpenCompass lets the evaluator post-process, too
            cfg = dict(self.pred_postprocessor)
            proc = TEXT_POSTPROCESSORS.get(cfg.pop('type'), where='MATHEvaluator.pred_postprocessor')
            predictions = [proc(str(p), **cfg) for p in predictions]
        return self.per_sample(predictions, references, is_equiv, 'accuracy')
