"""MMLU (57 subjects), 5-shot from each subject's dev split, answered by generation.

Data: the dataset id ``opencompass/mmlu``: <data root>/mmlu/{dev,test}/<subject>_{dev,test}.csv.
The prompt follows Hendrycks et al.: a header naming the subject, five solved dev
questions, then the test question ending in "Answer:". The chosen letter is read
from free text by ``first_option_postprocess``. Summary groups (STEM, humanities,
social sciences, other, average): configs/summarizers/groups/mmlu.py.
"""
from mmengine.config import read_base

from opencompass.datasets import MMLUDataset
from opencompass.openicl.icl_evaluator import AccEvaluator
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import FixKRetriever
from opencompass.utils.text_postprocessors import first_option_postprocess

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
                template=dict(round=[
                    dict(role='HUMAN',
                         prompt='The following are multiple choice questions (with answers) '
                                f"about {_name.replace('_', ' ')}.\n\n"
                                '</E>{input}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\nAnswer:'),
                    dict(role='BOT', prompt='{target}'),
                ]),
                ice_token='</E>'),
            retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3, 4]),
            inferencer=dict(type=GenInferencer, max_out_len=32,
                            stopping_criteria=['\n\n'])),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator),
                      pred_postprocessor=dict(type=first_option_postprocess, options='ABCD')),
    )
    for _name in mmlu_all_sets
]
