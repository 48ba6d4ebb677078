"""``AccContaminationEvaluator``: accuracy overall and per contamination label.

Reads each test row's ``is_clean`` (given by the ``*DatasetClean`` loaders,
``datasets/contamination.py``) and reports, as OpenCompass names them,
``accuracy - clean``, ``accuracy - input contaminated`` and
``accuracy - input-and-label contaminated``, plus ``accuracy`` over every sample and
the number of samples of each label (``num - clean``, ...). A label with no sample gets no
accuracy (there is nothing to score). Rows ``not labeled`` count in ``accuracy`` only.
Called without ``test_set`` it is ``AccEvaluator``; rows without ``is_clean`` are an error.
"""
from __future__ import annotations

from typing import Any

from ...registry import ICL_EVALUATORS
from .icl_acc_evaluator import AccEvaluator

GROUPS = (('clean', 'clean'), ('input contamination', 'input contaminated'),
          ('input-and-label contamination', 'input-and-label contaminated'))


@ICL_EVALUATORS.register_module()
class AccContaminationEvaluator(AccEvaluator):
    """``AccEvaluator`` split by the ``is_clean`` column of the test rows."""

    def score(self, predictions: list[Any], references: list[Any],
              test_set: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        overall = super().score(predictions, references)
        if 'error' in overall:
            return overall
        if test_set is None:  # called without the rows (not by the eval task): no split
            return overall
        rows = list(test_set)
        if len(rows) != len(predictions) or any('is_clean' not in r for r in rows):
            return {'error': "AccContaminationEvaluator needs the test rows' is_clean column; "
                             'use MMLUDatasetClean, ARCDatasetClean, HellaswagDatasetClean or '
                             'CEvalDatasetClean'}
        labels = [str(r['is_clean']) for r in rows]
        details = overall.get('details') or []
        for d, lab in zip(details, labels):
            if isinstance(d, dict):
                d['is_clean'] = lab
        result: dict[str, Any] = {}
        for key, name in GROUPS:
            picked = [k for k, lab in enumerate(labels) if lab == key]
            result[f'num - {name}'] = len(picked)
            if picked:
                part = super().score([predictions[k] for k in picked], [references[k] for k in picked])
                result[f'accuracy - {name}'] = part['accuracy']
        return {'accuracy': overall['accuracy'], **result, 'details': details}
