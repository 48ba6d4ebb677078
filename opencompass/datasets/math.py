"""``MATHEvaluator`` and ``math_postprocess_v2``: final answers written in LaTeX.

OpenCompass's zero-shot GSM8K configs ask for the answer in ``\\boxed{}`` and score it
with these. The extracted answer is the content of the last ``\\boxed{...}`` (or
``\\fbox{...}``), else what follows "answer is", else the last number. Two answers are
equal when their normalised text is equal (spaces, ``\\left``/``\\right``, ``\\text{}``
units, ``$``, ``\\!``, thousands commas and a trailing period dropped; ``\\dfrac`` is
``\\frac``, ``\\frac12`` is ``\\frac{1}{2}``) or when both are numbers (integers,
decimals, ``a/b``, ``\\frac{a}{b}``, percentages) of equal value.
"""
from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from ..openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator
from ..registry import ICL_EVALUATORS, TEXT_POSTPROCESSORS
from ..utils.text_postprocessors import last_number_postprocess

__all__ = ['MATHEvaluator', 'math_postprocess_v2', 'extract_boxed_answer', 'normalize_final_answer',
           'is_equiv']


def last_boxed_only_string(text: str) -> str | None:
    """``\\boxed{...}`` (braces balanced) of the last box in ``text``, or None."""
    start = max(text.rfind('\\boxed'), text.rfind('\\fbox'))
    if start < 0:
        return None
    brace = text.find('{', start)
    if brace < 0:  # ``\\boxed 5``
        m = re.match(r'\\(?:boxed|fbox)\s+([^\s$]+)', text[start:])
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


def extract_boxed_answer(text: str) -> str | None:
    """The content of the last box: ``... \\boxed{\\frac{1}{2}}`` -> ``\\frac{1}{2}``."""
    boxed = last_boxed_only_string(text)
    if boxed is None:
        return None
    if '{' not in boxed:
        return boxed.split(None, 1)[1].strip()
    return boxed[boxed.find('{') + 1:-1].strip()


def normalize_final_answer(answer: str) -> str:
    """A final answer without the words around it: ``The final answer is $18$.`` -> ``18``."""
    answer = re.split(r'(?i)(?:final answer|answer is)\s*(?:is)?\s*:?', answer)[-1]
    answer = answer.strip().rstrip('.').strip()
    answer = re.sub(r'^\$+|\$+$', '', answer).strip()
    return answer


def _strip(text: str) -> str:
    s = str(text).strip()
    s = re.sub(r'\\text\{\s*([^{}]*)\}', r'\1', s)
    s = s.replace('\\left', '').replace('\\right', '').replace('\\!', '').replace('\\,', '')
    s = s.replace('dfrac', 'frac').replace('tfrac', 'frac').replace('^\\circ', '').replace('^{\\circ}', '')
    s = s.replace('\\$', '').replace('$', '').replace('\\%', '%')
    s = re.sub(r'\\frac(\d)(\d)', r'\\frac{\1}{\2}', s)
    s = re.sub(r'\\frac\{([^{}]*)\}(\d)', r'\\frac{\1}{\2}', s)
    s = re.sub(r'\\sqrt(\w)', r'\\sqrt{\1}', s)
    s = re.sub(r'(\d),(\d{3})(?!\d)', r'\1\2', s)
    s = re.sub(r'\s+', '', s).rstrip('.')
    s = re.sub(r'^[a-zA-Z]\s*=', '', s)  # ``x=5`` -> ``5``
    return s


def _number(text: str) -> Fraction | None:
    s = _strip(text)
    percent = s.endswith('%')
    s = s.rstrip('%')
    m = re.fullmatch(r'(-?)\\frac\{(-?\d+)\}\{(-?\d+)\}', s) or re.fullmatch(r'(-?)(-?\d+)/(-?\d+)', s)
    try:
        if m:
            value = Fraction(int(m.group(2)), int(m.group(3)))
            value = -value if m.group(1) else value
        elif re.fullmatch(r'-?(\d+\.?\d*|\.\d+)', s):
            value = Fraction(s)
        else:
            return None
    except (ValueError, ZeroDivisionError):
        return None
    return value / 100 if percent else value


def is_equiv(pred: Any, ref: Any) -> bool:
    """Equal after normalisation, or the same number (see the module docstring)."""
    if pred is None or ref is None or str(pred).strip() == '':
        return False
    a, b = _strip(str(pred)), _strip(str(ref))
    if a == b and a != '':
        return True
    na, nb = _number(str(pred)), _number(str(ref))
    return na is not None and nb is not None and na == nb


@TEXT_POSTPROCESSORS.register_module()
def math_postprocess_v2(text: str) -> str:
    """The last boxed answer, else the sentence saying "answer is", else the last number."""
    boxed = extract_boxed_answer(text)
    if boxed:
        return boxed
    for sentence in re.split(r'(?<!\d)\.(?!\d)|\n', text):
        if re.search(r'(?i)final answer|answer is', sentence):
            found = normalize_final_answer(sentence)
            if found:
                return found
    return str(last_number_postprocess(text))


@ICL_EVALUATORS.register_module()
class MATHEvaluator(BaseEvaluator):
    """``accuracy``: the answer equals the reference as LaTeX text or as a number.

    ``version`` ('v1' or 'v2') is accepted for OpenCompass configs; both compare the same
    way here (v2's stricter string clean-up is a subset of this one).
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
