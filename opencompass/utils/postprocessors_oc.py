"""The rest of OpenCompass's text post-processors, exported by ``text_postprocessors``.

Same names, arguments and documented results as OpenCompass, with two deliberate
differences: ``general_eval_wrapper_postprocess`` reads the text as a Python *literal*
(``ast.literal_eval``), never running it; ``general_cn_postprocess`` segments the cleaned
text (OpenCompass cleans it and then segments the original) and needs ``jieba``.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

from ..errors import ConfigError
from ..registry import TEXT_POSTPROCESSORS

__all__ = ['general_cn_postprocess', 'last_capital_postprocess', 'think_pred_postprocess',
           'first_capital_postprocess_multi', 'last_option_postprocess',
           'multiple_select_postprocess', 'xml_tag_postprocessor', 'general_eval_wrapper_postprocess',
           'match_answer_pattern', 'extract_non_reasoning_content']


def _cleaned(text: str) -> str:
    """Up to the first newline, period or comma; no punctuation, articles or double spaces."""
    head = re.split(r'[\n.,]', text, maxsplit=1)[0]
    head = re.sub(r'[^\w\s]', '', head)
    head = re.sub(r'\b(a|an|the)\b', '', head, flags=re.IGNORECASE)
    return re.sub(r'\s+', ' ', head).strip()


@TEXT_POSTPROCESSORS.register_module('general_cn')
def general_cn_postprocess(text: str) -> str:
    """Chinese answers: cleaned like ``general_postprocess``, then words split by jieba."""
    try:
        import jieba
    except ImportError:
        raise ConfigError('general_cn_postprocess needs the jieba package: pip install jieba') from None
    return ' '.join(jieba.cut(_cleaned(text)))


@TEXT_POSTPROCESSORS.register_module('last-capital')
def last_capital_postprocess(text: str) -> str:
    """The last upper-case character, or ''."""
    return next((ch for ch in reversed(text) if ch.isupper()), '')


@TEXT_POSTPROCESSORS.register_module('think_pred')
def think_pred_postprocess(prediction: str, re_pattern: str) -> str:
    """Group 1 of the first match of ``re_pattern``, stripped; the text itself if none."""
    m = re.search(re_pattern, prediction)
    return m.group(1).strip() if m else prediction


@TEXT_POSTPROCESSORS.register_module('first-capital-multi')
def first_capital_postprocess_multi(text: str) -> str:
    """The first run of letters A-D (``'answer: ACD'`` -> ``'ACD'``), or ''."""
    m = re.search(r'([A-D]+)', text)
    return m.group(1) if m else ''


@TEXT_POSTPROCESSORS.register_module()
def last_option_postprocess(text: str, options: str) -> str:
    """The last character of ``text`` that is one of ``options``, or ''."""
    return next((ch for ch in reversed(text) if ch in options), '')


@TEXT_POSTPROCESSORS.register_module('multiple-select')
def multiple_select_postprocess(text: str) -> str:
    """Every upper-case character, once each, sorted (``'bA D C'`` -> ``'ACD'``)."""
    return ''.join(sorted({ch for ch in text if ch.isupper()}))


@TEXT_POSTPROCESSORS.register_module('specific-xml-tag')
def xml_tag_postprocessor(text: str, tag: str) -> str:
    """Content of the last ``<tag>...</tag>`` (``tag`` given with brackets, e.g.
    ``'<conclude>'``), stripped; ``'NO ANSWER FOUND'`` when there is none."""
    name = tag.strip()[1:-1] if tag.strip().startswith('<') else tag.strip()
    found = re.findall(rf'<{re.escape(name)}>(.*?)</{re.escape(name)}>', text, re.DOTALL)
    return found[-1].strip() if found else 'NO ANSWER FOUND'


def general_eval_wrapper_postprocess(text: str, postprocess: str | Callable[..., Any] | None = None,
                                     **kwargs: Any) -> Any:
    """Unquote a text that is a Python string literal (``"'The fox'"`` -> ``The fox``),
    then apply ``postprocess`` (a function or a registered name) with ``kwargs``."""
    try:
        value = ast.literal_eval(text)
        if isinstance(value, str):
            text = value
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    if postprocess is None:
        return text
    func = TEXT_POSTPROCESSORS.get(postprocess) if isinstance(postprocess, str) else postprocess
    return func(text, **kwargs)


@TEXT_POSTPROCESSORS.register_module()
def match_answer_pattern(response_text: str, answer_pattern: str) -> str:
    """Group 1 of the first match of ``answer_pattern`` (e.g. ``r'(?i)ANSWER\\s*:\\s*([A-D])'``,
    the pattern of OpenCompass's ``mmlu_gen``), or ''."""
    m = re.search(answer_pattern, response_text)
    return m.group(1) if m else ''


@TEXT_POSTPROCESSORS.register_module('extract-non-reasoning-content')
def extract_non_reasoning_content(text: str, think_start_token: str = '<think>',
                                  think_end_token: str = '</think>') -> str:
    """The answer without the reasoning: text after ``</think>`` when there is no
    ``<think>``; otherwise every ``<think>...</think>`` span removed; stripped."""
    if think_start_token not in text and think_end_token in text:
        return text.split(think_end_token)[-1].strip()
    span = re.compile(re.escape(think_start_token) + '.*?' + re.escape(think_end_token), re.DOTALL)
    return span.sub('', text).strip()
