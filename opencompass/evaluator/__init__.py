"""LLM-as-judge evaluators (OpenCompass's ``opencompass.evaluator``): a judge model grades
predictions, alone (:class:`GenericLLMEvaluator`) or after a rule (:class:`CascadeEvaluator`)."""
from ..utils.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    'GenericLLMEvaluator': '.generic_llm_evaluator',
    'CascadeEvaluator': '.cascade_evaluator',
    'MATHVerifyEvaluator': '.math_evaluator',
})
