"""``ceval_ppl`` with each val question's contamination label: ``CEvalDatasetClean`` adds
``is_clean`` and ``AccContaminationEvaluator`` reports the accuracy per label. The labels
file is read from <data root>/ceval/formal_ceval/val/ceval_contamination_annotations.json
(see opencompass/datasets/contamination.py; nothing is downloaded).
"""
from mmengine.config import read_base

from opencompass.datasets import CEvalDatasetClean
from opencompass.openicl.icl_evaluator import AccContaminationEvaluator

with read_base():
    from .ceval_ppl import ceval_datasets as _ppl_datasets

ceval_datasets = [
    dict(_d, type=CEvalDatasetClean,
         eval_cfg=dict(evaluator=dict(type=AccContaminationEvaluator), analyze_contamination=True))
    for _d in _ppl_datasets
]
