"""``BleuEvaluator``: corpus BLEU computed by ``sacrebleu`` (the reference implementation)."""
from __future__ import annotations

from typing import Any

from ...registry import ICL_EVALUATORS
from .icl_base_evaluator import BaseEvaluator


def reference_streams(references: list[Any]) -> list[list[str | None]]:
    """sacrebleu's layout: one stream per reference slot; a sample with fewer references
    than the most has ``None`` in the remaining streams (sacrebleu skips those); a sample
    with no reference at all has ``''`` in the first (sacrebleu needs one)."""
    refs = [list(r) if isinstance(r, (list, tuple)) else [r] for r in references]
    width = max((len(r) for r in refs), default=1)
    return [[str(r[k]) if k < len(r) and r[k] is not None else (None if k else '') for r in refs]
            for k in range(width)]


@ICL_EVALUATORS.register_module()
class BleuEvaluator(BaseEvaluator):
    """``bleu`` = sacrebleu corpus BLEU (0-100) with its standard settings.

    ``tokenize`` is sacrebleu's tokenizer (``'13a'`` default, ``'zh'``, ``'intl'``,
    ``'char'``, ...). A reference may be a list of accepted references. Each sample's
    details carry its sentence BLEU; ``correct`` there means an exact match.
    """

    def __init__(self, tokenize: str = '13a', lowercase: bool = False):
        self.tokenize = tokenize
        self.lowercase = lowercase

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        error = self.check_lengths(predictions, references)
        if error:
            return error
        import sacrebleu
        preds = ['' if p is None else str(p) for p in predictions]
        streams = reference_streams(references)
        bleu = sacrebleu.BLEU(tokenize=self.tokenize, lowercase=self.lowercase)
        sentence = sacrebleu.BLEU(tokenize=self.tokenize, lowercase=self.lowercase,
                                  effective_order=True)
        # sacrebleu's stubs say Sequence[Sequence[str]], but it skips None (a missing reference)
        corpus = bleu.corpus_score(preds, streams) if preds else None  # type: ignore[arg-type]
        details = []
        for i, pred in enumerate(preds):
            refs = [r for r in (s[i] for s in streams) if r is not None]
            details.append({'pred': pred, 'answer': references[i],
                            'bleu': sentence.sentence_score(pred, refs).score,
                            'correct': bool(pred.strip()) and any(
                                pred.strip() == r.strip() for r in refs if r.strip())})
        return {'bleu': corpus.score if corpus else 0.0, 'details': details}
