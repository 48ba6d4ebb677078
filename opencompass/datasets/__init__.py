"""Dataset loaders. Each turns files under a data root into rows (plain dicts)."""
from ..utils.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    'BaseDataset': '.base',
    'CustomDataset': '.custom',
    'MMLUDataset': '.mmlu',
    'GSM8KDataset': '.gsm8k',
    'Gsm8kEvaluator': '.gsm8k',
    'gsm8k_postprocess': '.gsm8k',
    'gsm8k_dataset_postprocess': '.gsm8k',
    'ARCDataset': '.arc',
    'HellaswagDataset': '.hellaswag',
    'hellaswagDataset': '.hellaswag',
    'hellaswagDataset_V2': '.hellaswag',
    'BBHDataset': '.bbh',
    'BBHEvaluator': '.bbh',
    'BBHEvaluator_mcq': '.bbh',
    'bbh_mcq_postprocess': '.bbh',
    'bbh_freeform_postprocess': '.bbh',
    'HumanevalDataset': '.humaneval',
    'humaneval_postprocess': '.humaneval',
    'humaneval_postprocess_v2': '.humaneval',
    'HumanEvalEvaluator': '..openicl.icl_evaluator.icl_humaneval_evaluator',
})
