"""``AccwithDetailsEvaluator``: accuracy, each sample's details also holding its prompt."""
from __future__ import annotations

from typing import Any

from ...registry import ICL_EVALUATORS
from .icl_acc_evaluator import AccEvaluator


@ICL_EVALUATORS.register_module()
class AccwithDetailsEvaluator(AccEvaluator):
    """``accuracy`` as :class:`AccEvaluator`; ``details[i]['prompt']`` is the prompt the
    model saw (OpenCompass's evaluator of the same name). Details are a list, one entry
    per sample in order, like every evaluator here (OpenCompass keys them ``'0'``, ``'1'``...)."""

    def score(self, predictions: list[Any], references: list[Any],
              origin_prompt: list[Any] | None = None) -> dict[str, Any]:
        result = super().score(predictions, references)
        details = result.get('details')
        if origin_prompt is not None and isinstance(details, list):
            for detail, prompt in zip(details, origin_prompt):
                detail['prompt'] = prompt
        return result
