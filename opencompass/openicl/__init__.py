"""In-context-learning building blocks: prompt templates, retrievers, inferencers, evaluators."""
from ..utils.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    'PromptTemplate': '.icl_prompt_template',
    'RawPromptTemplate': '.icl_raw_prompt_template',
    'DatasetReader': '..datasets.base',
    'ZeroRetriever': '.icl_retriever',
    'FixKRetriever': '.icl_retriever',
    'GenInferencer': '.icl_inferencer',
    'PPLInferencer': '.icl_inferencer',
    'AccEvaluator': '.icl_evaluator',
    'EMEvaluator': '.icl_evaluator',
    'BleuEvaluator': '.icl_evaluator',
    'RougeEvaluator': '.icl_evaluator',
})
