"""CMMLU, 5-shot by loglikelihood with plain-text prompts (one instruction line, then the
solved dev questions and the question, each ending "答案是: X"), as OpenCompass's config
of this name; the evaluator keeps each sample's prompt in the details."""
from mmengine.config import read_base

from opencompass.datasets import CMMLUDataset
from opencompass.openicl.icl_evaluator import AccwithDetailsEvaluator
from opencompass.openicl.icl_inferencer import PPLInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import FixKRetriever

with read_base():
    from .cmmlu_all_sets import cmmlu_all_sets, cmmlu_subject_mapping

_question = '题目：{question}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\n答案是: '

cmmlu_datasets = [
    dict(
        abbr=f'cmmlu-{_name}',
        type=CMMLUDataset,
        path='opencompass/cmmlu',
        name=_name,
        reader_cfg=dict(input_columns=['question', 'A', 'B', 'C', 'D'], output_column='answer',
                        train_split='dev', test_split='test'),
        infer_cfg=dict(
            ice_template=dict(type=PromptTemplate,
                              template={_opt: f'{_question}{_opt}\n' for _opt in 'ABCD'}),
            prompt_template=dict(
                type=PromptTemplate,
                template={_opt: f'以下是关于{cmmlu_subject_mapping[_name]}的单项选择题，'
                                f'请直接给出正确答案的选项。\n</E>{_question}{_opt}'
                          for _opt in 'ABCD'},
                ice_token='</E>'),
            retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3, 4]),
            inferencer=dict(type=PPLInferencer)),
        eval_cfg=dict(evaluator=dict(type=AccwithDetailsEvaluator)),
    )
    for _name in cmmlu_all_sets
]
