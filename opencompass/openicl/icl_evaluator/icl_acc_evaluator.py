"""``AccEvaluator``: accuracy of a prediction equal to its label."""
from __future__ import annotations

from typing import Any

from ...registry import ICL_EVALUATORS
from .icl_base_evaluator import BaseEvaluator


def _norm(value: Any) -> str:
    return str(value).strip()


@ICL_EVALUATORS.register_module()
class AccEvaluator(BaseEvaluator):
    """``accuracy`` = share of samples whose prediction equals the reference (as text)."""

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        return self.per_sample(predictions, references,
                               lambda p, r: _norm(p) == _norm(r), 'accuracy')
