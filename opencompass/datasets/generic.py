"""Reading a judge model's verdicts: ``generic_llmjudge_postprocess`` and its family.

These are *dict postprocessors* (OpenCompass's ``dict_postprocessor=`` of an LLM-judge
evaluator): they take ``{index: {'prediction': JUDGE_ANSWER, 'gold': ..., ...}}`` and the
path the judge's answers belong to, and return the metrics with per-sample details.

A verdict counts only when it is unambiguous (see :func:`parse_verdict`): the judge's
answer is the true tag (``A``) or the false tag (``B``) on its own, possibly dressed
(``**A**``, ``A: CORRECT``, ``\\boxed{B}``, a final line ``Answer: A``), or the words
``CORRECT`` / ``INCORRECT`` alone. Anything else, including a refusal, an empty answer
and an answer naming both tags, is *not attempted* and scores as wrong.
"""
from __future__ import annotations

import re
from typing import Any

__all__ = ['parse_verdict', 'get_final_results', 'generic_llmjudge_postprocess',
           'generic_llmjudge_academic_postprocess']

_THINK = re.compile(r'<think>.*?</think>', re.DOTALL | re.IGNORECASE)
_DRESS = ' \t\r\n*_`"\'.:()[]'


def _bare(text: str) -> str:
    text = text.strip().strip(_DRESS)
    boxed = re.fullmatch(r'\\boxed\{\s*([^{}]*?)\s*\}', text)
    if boxed:
        text = boxed.group(1).strip(_DRESS)
    return re.sub(r'^(the\s+)?(final\s+)?(answer|grade|judgement|judgment|verdict)(\s+is)?\s*[:=]?\s+',
                  '', text, flags=re.IGNORECASE).strip(_DRESS)


def _one(text: str, true_tag: str, false_tag: str) -> str | None:
    """The verdict of one short piece of text, or None."""
    bare = _bare(text)
    if not bare:
        return None
    word = {'CORRECT': true_tag, 'INCORRECT': false_tag}
    if bare in (true_tag, false_tag):
        return bare
    if bare.upper() in word:
        return word[bare.upper()]
    m = re.fullmatch(rf'({re.escape(true_tag)}|{re.escape(false_tag)})\s*[:.)\-]?\s*\**\s*'
                     r'(CORRECT|INCORRECT)?\s*\**', bare, flags=re.IGNORECASE)
    if m and m.group(1) in (true_tag, false_tag):
        said = word.get((m.group(2) or '').upper())
        if said is not None and said != m.group(1):
            return None  # "A: INCORRECT" contradicts itself
        return m.group(1)
    return None


def parse_verdict(judgement: Any, true_tag: str = 'A', false_tag: str = 'B') -> str:
    """``true_tag``, ``false_tag`` or ``'unknown'`` for one judge answer (see the module doc)."""
    if not isinstance(judgement, str):
        return 'unknown'
    text = _THINK.sub('', judgement).strip()
    if '</think>' in text:  # an unclosed reasoning block: keep what follows its end
        text = text.rsplit('</think>', 1)[1]
    found = _one(text, true_tag, false_tag)
    if found is None:  # a verdict on the first or the last line, the other lines explaining
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if len(lines) > 1:
            ends = {_one(lines[0], true_tag, false_tag), _one(lines[-1], true_tag, false_tag)}
            ends.discard(None)
            found = ends.pop() if len(ends) == 1 else None  # two different verdicts: neither
    return found or 'unknown'


def get_final_results(judged: list[str], references: list[Any], responses: list[Any],
                      metric_name: str = 'accuracy', true_tag: str = 'A',
                      false_tag: str = 'B') -> dict[str, Any]:
    """Metrics from verdicts: ``accuracy`` (percent judged correct, of all samples),
    ``accuracy_given_attempted``, ``f1``, ``attempted_ratio`` and the counts."""
    n = len(judged)
    correct = sum(1 for v in judged if v == true_tag)
    incorrect = sum(1 for v in judged if v == false_tag)
    attempted = correct + incorrect
    acc = correct / n if n else 0.0
    given = correct / attempted if attempted else 0.0
    details = [{'pred': resp, 'ref': ref, 'origin_grade_response': resp, 'grade_letter': v,
                'correct': v == true_tag} for v, ref, resp in zip(judged, references, responses)]
    return {metric_name: 100.0 * acc, f'{metric_name}_given_attempted': 100.0 * given,
            'f1': (2 * given * acc / (given + acc)) if given + acc else 0.0,
            'attempted_ratio': 100.0 * attempted / n if n else 0.0,
            'correct_count': correct, 'incorrect_count': incorrect,
            'not_attempted_count': n - attempted, 'details': details}


def _judge(output: dict[str, Any], metric_name: str, true_tag: str,
           false_tag: str) -> dict[str, Any]:
    items = list(output.items())
    verdicts = [parse_verdict(v.get('prediction'), true_tag, false_tag) for _, v in items]
    result = get_final_results(verdicts, [v.get('gold', '') for _, v in items],
                               [v.get('prediction', '') for _, v in items], metric_name,
                               true_tag, false_tag)
    details = {}
    for (k, v), verdict in zip(items, verdicts):
        details[k] = {**v, 'grade_letter': verdict, 'correct': verdict == true_tag}
    result['details'] = details
    return result


def generic_llmjudge_postprocess(output: dict[str, Any], output_path: str = '',
                                 true_tag: str = 'A', false_tag: str = 'B') -> dict[str, Any]:
    """Score judge answers where ``true_tag`` means correct and ``false_tag`` incorrect."""
    return _judge(output, 'accuracy', true_tag, false_tag)


def generic_llmjudge_academic_postprocess(output: dict[str, Any], output_path: str = '',
                                          metric_name: str = 'accuracy') -> dict[str, Any]:
    """As :func:`generic_llmjudge_postprocess` with A/B, the metric named ``metric_name``
    and no ``f1`` (the academic leaderboard's summary reads only the accuracy)."""
    result = _judge(output, metric_name, 'A', 'B')
    result.pop('f1', None)
    return result
