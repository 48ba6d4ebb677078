"""``MATHVerifyEvaluator``: OpenCompass's name for checking a math answer by equivalence."""
from __future__ import annotations

from typing import Any

from ..datasets.math import MATHEvaluator, extract_boxed_answer
from ..registry import ICL_EVALUATORS


@ICL_EVALUATORS.register_module()
class MATHVerifyEvaluator(MATHEvaluator):
    """``accuracy``: the answer (after ``pred_postprocessor``; without one, the content of
    the last ``\\boxed{...}``) equals the reference as LaTeX text or as a number. A
    reference that is a worked solution (``test_prm800k_500.jsonl``'s ``solution``) is
    compared by the content of its last box.

    OpenCompass implements it with the ``math-verify`` package; here it compares with
    :class:`~opencompass.datasets.math.MATHEvaluator`'s equivalence, without that package
    (docs/compatibility.md).
    """

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, Any]:
        if not self.pred_postprocessor:
            predictions = [extract_boxed_answer(str(p)) or '' if p is not None else ''
                           for p in predictions]
        references = [_boxed_or_self(r) for r in references]
        return super().score(predictions, references)


def _boxed_or_self(reference: Any) -> Any:
    if isinstance(reference, str) and ('\\boxed' in reference or '\\fbox' in reference):
        return extract_boxed_answer(reference) or reference
    return reference
