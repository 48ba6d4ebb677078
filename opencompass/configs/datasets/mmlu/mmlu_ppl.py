"""MMLU (57 subjects), 5-shot from the dev split, scored by loglikelihood: the answer
letter whose completed prompt the model finds least perplexing is its choice.

Data: the dataset id ``opencompass/mmlu``: <data root>/mmlu/{dev,test}/<subject>_{dev,test}.csv.
Summary groups: configs/summarizers/groups/mmlu.py.
"""
from mmengine.config import read_base

from opencompass.datasets import MMLUDataset
from opencompass.openicl.icl_evaluator import AccEvaluator
from opencompass.openicl.icl_inferencer import PPLInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import FixKRetriever

with read_base():  # the subject list, shared with the other MMLU configs
    from .mmlu_all_sets import mmlu_all_sets

mmlu_reader_cfg = dict(input_columns=['input', 'A', 'B', 'C', 'D'], output_column='target',
                       train_split='dev')

mmlu_datasets = [
    dict(
        abbr=f'lukaemon_mmlu_{_name}',
        type=MMLUDataset,
        path='opencompass/mmlu',
        name=_name,
        reader_cfg=mmlu_reader_cfg,
        infer_cfg=dict(
            ice_template=dict(
                type=PromptTemplate,
                template='{input}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\nAnswer: {target}\n'),
            prompt_template=dict(
                type=PromptTemplate,
                template={
                    _opt: 'The following are multiple choice questions (with answers) about '
                          f"{_name.replace('_', ' ')}.\n\n"
                          '</E>{input}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\nAnswer: ' + _opt
                    for _opt in ['A', 'B', 'C', 'D']
                },
                ice_token='</E>'),
            retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3, 4]),
            inferencer=dict(type=PPLInferencer)),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator)),
    )
    for _name in mmlu_all_sets
]
