"""Evaluators compare predictions with references and return metrics plus per-sample details."""
from ...utils.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    'BaseEvaluator': '.icl_base_evaluator',
    'AccEvaluator': '.icl_acc_evaluator',
    'AccwithDetailsEvaluator': '.icl_acc_details_evaluator',
    'AccContaminationEvaluator': '.icl_contamination_evaluator',
    'EMEvaluator': '.icl_em_evaluator',
    'BleuEvaluator': '.icl_bleu_evaluator',
    'RougeEvaluator': '.icl_rouge_evaluator',
    'HumanEvalEvaluator': '.icl_humaneval_evaluator',
    'LMEvaluator': '.lm_evaluator',
    # LLM-judge evaluators, so ``type='GenericLLMEvaluator'`` resolves too
    'GenericLLMEvaluator': '...evaluator.generic_llm_evaluator',
    'CascadeEvaluator': '...evaluator.cascade_evaluator',
    'MATHVerifyEvaluator': '...evaluator.math_evaluator',
    # benchmark evaluators defined with their datasets, so ``type='MATHEvaluator'`` resolves
    'MATHEvaluator': '...datasets.math',
    'Gsm8kEvaluator': '...datasets.gsm8k',
    'BBHEvaluator': '...datasets.bbh',
    'BBHEvaluator_mcq': '...datasets.bbh',
})
