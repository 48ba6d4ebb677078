"""CMMLU (67 subjects), 5-shot from each subject's dev split, scored by loglikelihood: the
answer letter whose completed prompt the model finds least perplexing is its choice.

Data: the dataset id ``opencompass/cmmlu``: <data root>/cmmlu/{dev,test}/<subject>.csv.
The prompt is that of OpenCompass's ``cmmlu_ppl``: the instruction naming the subject in
Chinese, then "题目：" with the question and options, and "答案是: X" as chat turns.
Summary groups: configs/summarizers/groups/cmmlu.py.
"""
from mmengine.config import read_base

from opencompass.datasets import CMMLUDataset
from opencompass.openicl.icl_evaluator import AccEvaluator
from opencompass.openicl.icl_inferencer import PPLInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import FixKRetriever

with read_base():  # the subject list, shared with the other CMMLU configs and the groups
    from .cmmlu_all_sets import cmmlu_all_sets, cmmlu_subject_mapping

cmmlu_reader_cfg = dict(input_columns=['question', 'A', 'B', 'C', 'D'], output_column='answer',
                        train_split='dev', test_split='test')

cmmlu_datasets = [
    dict(
        abbr=f'cmmlu-{_name}',
        type=CMMLUDataset,
        path='opencompass/cmmlu',
        name=_name,
        reader_cfg=cmmlu_reader_cfg,
        infer_cfg=dict(
            ice_template=dict(
                type=PromptTemplate,
                template={
                    _opt: dict(begin='</E>', round=[
                        dict(role='HUMAN',
                             prompt=f'以下是关于{cmmlu_subject_mapping[_name]}的单项选择题，'
                                    '请直接给出正确答案的选项。\n题目：{question}\nA. {A}\nB. {B}\n'
                                    'C. {C}\nD. {D}'),
                        dict(role='BOT', prompt=f'答案是: {_opt}'),
                    ])
                    for _opt in ['A', 'B', 'C', 'D']
                },
                ice_token='</E>'),
            retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3, 4]),
            inferencer=dict(type=PPLInferencer)),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator)),
    )
    for _name in cmmlu_all_sets
]
