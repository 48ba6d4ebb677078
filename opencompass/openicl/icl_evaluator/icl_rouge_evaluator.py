"""``RougeEvaluator``: ROUGE-1/2/L F-measures computed by Google's ``rouge-score``."""
from __future__ import annotations

from typing import Any

from ...registry import ICL_EVALUATORS
from .icl_base_evaluator import BaseEvaluator


class _WhitespaceTokenizer:
    """Lower-cased whitespace tokens; keeps non-ASCII words, which the default drops."""

    def tokenize(self, text: str) -> list[str]:
        return text.lower().split()


@ICL_EVALUATORS.register_module()
class RougeEvaluator(BaseEvaluator):
    """``rouge1``, ``rouge2``, ``rougeL``: mean F-measure over samples, as 0-100.

    ``tokenizer='default'`` is rouge-score's own (lower case, ASCII letters and digits
    only, as in published English results); ``'whitespace'`` keeps any script. With a
    list of references a sample scores its best reference. ``correct`` in the details
    means an exact match.
    """

    def __init__(self, rouge_types: tuple[str, ...] | list[str] = ('rouge1', 'rouge2', 'rougeL'),
                 use_stemmer: bool = False, tokenizer: str = 'default'):
        from ...errors import ConfigError
        if tokenizer not in ('default', 'whitespace'):
            raise ConfigError(f"RougeEvaluator.tokenizer: 'default' or 'whitespace', "
                              f'got {tokenizer!r}')
        self.rouge_types = list(rouge_types)
        self.use_stemmer = use_stemmer
        self.tokenizer = tokenizer

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        error = self.check_lengths(predictions, references)
        if error:
            return error
        from rouge_score import rouge_scorer
        scorer = rouge_scorer.RougeScorer(
            self.rouge_types, use_stemmer=self.use_stemmer,
            tokenizer=_WhitespaceTokenizer() if self.tokenizer == 'whitespace' else None)
        totals = {t: 0.0 for t in self.rouge_types}
        details = []
        for pred, ref in zip(predictions, references):
            pred = '' if pred is None else str(pred)
            refs = ['' if r is None else str(r)
                    for r in (ref if isinstance(ref, (list, tuple)) else [ref])]
            scores = scorer.score_multi(refs, pred)
            sample = {t: 100.0 * scores[t].fmeasure for t in self.rouge_types}
            for t, v in sample.items():
                totals[t] += v
            details.append({'pred': pred, 'answer': ref, **sample,
                            'correct': bool(pred.strip()) and any(
                                pred.strip() == r.strip() for r in refs if r.strip())})
        n = len(predictions)
        result: dict[str, Any] = {t: (v / n if n else 0.0) for t, v in totals.items()}
        result['details'] = details
        return result
