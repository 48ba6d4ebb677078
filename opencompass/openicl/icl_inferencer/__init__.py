"""Inferencers turn prompts into model calls: generation or per-label loglikelihood."""
from ...utils.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    'BaseInferencer': '.icl_base_inferencer',
    'GenInferencer': '.icl_gen_inferencer',
    'PPLInferencer': '.icl_ppl_inferencer',
    'SCInferencer': '.icl_sc_inferencer',
})
