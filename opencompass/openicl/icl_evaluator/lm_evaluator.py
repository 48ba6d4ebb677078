"""``LMEvaluator``: OpenCompass's judge-model evaluator, in its single-model scoring mode."""
from __future__ import annotations

from typing import Any

from ...errors import ConfigError
from ...evaluator.generic_llm_evaluator import GenericLLMEvaluator
from ...registry import ICL_EVALUATORS

PAIRWISE = ('LMEvaluator: comparing several models (subjective pairwise / multi-round judging) is '
            'not supported here; only single-model scoring is')


@ICL_EVALUATORS.register_module()
class LMEvaluator(GenericLLMEvaluator):
    """A judge model grades each prediction, as :class:`GenericLLMEvaluator` does.

    ``prompt_template`` may use the row's columns, ``{prediction}`` and ``{reference}``;
    ``dict_postprocessor`` reads the judge's answers (default: ``A`` correct, ``B``
    incorrect). ``output_path`` is accepted and unused (the judge's prompts and answers go
    in the result details). ``judge_cfg`` empty or absent: see docs/llm-judge.md.
    """

    def __init__(self, prompt_template: dict[str, Any], judge_cfg: dict[str, Any] | None = None,
                 output_path: str = '', meta_review_prompt_template: dict[str, Any] | None = None,
                 pack_all_predictions: bool = False, multi_eval: bool = False, **kwargs: Any):
        if meta_review_prompt_template is not None or pack_all_predictions or multi_eval:
            raise ConfigError(PAIRWISE)
        super().__init__(prompt_template, judge_cfg, **kwargs)

    def score(self, predictions: list[Any], references: list[Any] | None = None,
              test_set: Any = None, **kwargs: Any) -> dict[str, Any]:
        if predictions and isinstance(predictions[0], dict) or kwargs.get('judgements'):
            raise ConfigError(PAIRWISE)
        return super().score(predictions, references or [''] * len(predictions), test_set)
