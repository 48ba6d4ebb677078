"""``EMEvaluator``: exact match after optional normalisation."""
from __future__ import annotations

import re
import string
import unicodedata
from typing import Any

from ...registry import ICL_EVALUATORS
from .icl_base_evaluator import BaseEvaluator, is_blank


@ICL_EVALUATORS.register_module()
class EMEvaluator(BaseEvaluator):
    """``score`` = share of exact matches; a reference may be a list of accepted answers."""

    def __init__(self, ignore_case: bool = True, ignore_punctuation: bool = True,
                 ignore_articles: bool = False, strip: bool = True):
        self.ignore_case = ignore_case
        self.ignore_punctuation = ignore_punctuation
        self.ignore_articles = ignore_articles
        self.strip = strip

    def normalize(self, text: object) -> str:
        text = unicodedata.normalize('NFKC', str(text))
        if self.ignore_case:
            text = text.lower()
        if self.ignore_punctuation:
            text = ''.join(ch for ch in text if ch not in string.punctuation)
        if self.ignore_articles:
            text = re.sub(r'\b(a|an|the)\b', ' ', text)
        if self.strip:
            text = ' '.join(text.split())
        return text

    def matches(self, pred: Any, ref: Any) -> bool:
        """Equal once normalised; text that normalises to nothing (``'The'`` without
        articles, ``'...'`` without punctuation) matches only itself, case aside."""
        p, r = self.normalize(pred), self.normalize(ref)
        if p and r:
            return p == r
        return not p and not r and str(pred).strip().casefold() == str(ref).strip().casefold()

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        def same(pred: Any, ref: Any) -> bool:
            refs = ref if isinstance(ref, (list, tuple)) else [ref]
            return any(self.matches(pred, r) for r in refs if not is_blank(r))

        return self.per_sample(predictions, references, same, 'score')
