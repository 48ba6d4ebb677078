"""CMMLU, 5-shot from the dev split, answered by generation ("答案是: X"; the first capital
letter of the reply is the choice), as OpenCompass's config of this name; the
evaluator keeps each sample's prompt in the details (``AccwithDetailsEvaluator``)."""
from mmengine.config import read_base

from opencompass.datasets import CMMLUDataset
from opencompass.openicl.icl_evaluator import AccwithDetailsEvaluator
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import FixKRetriever
from opencompass.utils.text_postprocessors import first_capital_postprocess

with read_base():
    from .cmmlu_all_sets import cmmlu_all_sets, cmmlu_subject_mapping

cmmlu_datasets = [
    dict(
        abbr=f'cmmlu-{_name}',
        type=CMMLUDataset,
        path='opencompass/cmmlu',
        name=_name,
        reader_cfg=dict(input_columns=['question', 'A', 'B', 'C', 'D'], output_column='answer',
                        train_split='dev', test_split='test'),
        infer_cfg=dict(
            ice_template=dict(
                type=PromptTemplate,
                template=dict(begin='</E>', round=[
                    dict(role='HUMAN',
                         prompt=f'以下是关于{cmmlu_subject_mapping[_name]}的单项选择题，'
                                '请直接给出正确答案的选项。\n题目：{question}\nA. {A}\nB. {B}\n'
                                'C. {C}\nD. {D}'),
                    dict(role='BOT', prompt='答案是: {answer}'),
                ]),
                ice_token='</E>'),
            retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3, 4]),
            inferencer=dict(type=GenInferencer)),
        eval_cfg=dict(evaluator=dict(type=AccwithDetailsEvaluator),
                      pred_postprocessor=dict(type=first_capital_postprocess)),
    )
    for _name in cmmlu_all_sets
]
