"""The evaluator contract: ``score(predictions, references) -> {metric: value, 'details': [...]}``."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any


class BaseEvaluator(ABC):
    """Metrics are percentages (0-100), as in OpenCompass; ``details`` explains each sample."""

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
            ok = bool(same(pred, ref))
            correct += ok
            details.append({'pred': pred, 'answer': ref, 'correct': ok})
        value = 100.0 * correct / len(predictions) if predictions else 0.0
        return {metric: value, 'details': details}
