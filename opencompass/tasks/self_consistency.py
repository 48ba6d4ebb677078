"""Self-consistency voting: the majority answer among a sample's postprocessed generations.

``SCInferencer`` stores a list of generations as a sample's prediction. The eval task
postprocesses each generation, then scores the answer given most often. Blank answers
(nothing extracted) do not vote; a tie goes to the answer that came first in generation
order, so the vote is deterministic. A sample whose every answer is blank is ``''``, which
is never correct.
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ..openicl.icl_evaluator.icl_base_evaluator import is_blank


def _key(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def vote(answers: list[Any]) -> tuple[Any, dict[str, int]]:
    """``(majority answer, {answer: votes})``; ``('', {})`` when every answer is blank."""
    counts: Counter[str] = Counter()
    first: dict[str, Any] = {}
    for answer in answers:
        if is_blank(answer):
            continue
        key = _key(answer)
        counts[key] += 1
        first.setdefault(key, answer)
    if not counts:
        return '', {}
    winner = counts.most_common(1)[0][0]  # ties: the first answer counted (insertion order)
    table = {str(first[k]): n for k, n in counts.most_common()}
    return first[winner], table
