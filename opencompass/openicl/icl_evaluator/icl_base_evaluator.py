"""The evaluator contract: ``score(predictions, references) -> {metric: value, 'details': [...]}``."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any


def is_blank(value: Any) -> bool:
    """True for what can never be a right answer or a usable reference: ``None``, a string of
    white space only, or a list/tuple with no non-blank element."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple)):
        return all(is_blank(v) for v in value)
    return False


class BaseEvaluator(ABC):
    """Metrics are percentages (0-100), as in OpenCompass; ``details`` explains each sample.

    The one rule every evaluator follows: a blank prediction (empty, missing, or a sample
    whose request failed, which the eval task hands over as ``''``) or a blank reference
    is never correct. :meth:`per_sample` applies it before the evaluator's own comparison;
    evaluators that score otherwise call :func:`is_blank` themselves, and the eval task
    refuses results whose details credit such a sample.
    """

    @abstractmethod
    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        """``{metric: percentage, 'details': [...]}``, or ``{'error': why}``."""

    @staticmethod
    def check_lengths(predictions: list[Any], references: list[Any]) -> dict[str, Any] | None:
        if len(predictions) != len(references):
            return {'error': f'{len(predictions)} predictions but {len(references)} references'}
        return None

    @staticmethod
    def per_sample(predictions: list[Any], references: list[Any],
                   same: Callable[[Any, Any], bool], metric: str) -> dict[str, Any]:
        """Score by a per-sample predicate, with details for every sample."""
        error = BaseEvaluator.check_lengths(predictions, references)
        if error:
            return error
        details = []
        correct = 0
        for pred, ref in zip(predictions, references):
            ok = not is_blank(pred) and not is_blank(ref) and bool(same(pred, ref))
            correct += ok
            details.append({'pred': pred, 'answer': ref, 'correct': ok})
        value = 100.0 * correct / len(predictions) if predictions else 0.0
        return {metric: value, 'details': details}
