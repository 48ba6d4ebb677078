"""CMMLU (67 subjects), zero-shot, step-by-step reasoning ending in a line "答案: X".

Data: the dataset id ``opencompass/cmmlu``: <data root>/cmmlu/{dev,test}/<subject>.csv.
As OpenCompass's ``cmmlu_gen``: the prompt names the subject in Chinese, asks for
reasoning first and the last line in the form '答案: $选项'; the letter is read with
``match_answer_pattern`` (a reply without that line scores wrong). Abbrs
``cmmlu-<subject>``; summary groups (STEM, humanities, social science, other, China
specific, average): configs/summarizers/groups/cmmlu.py.
"""
from mmengine.config import read_base

from opencompass.datasets import CMMLUDataset
from opencompass.openicl.icl_evaluator import AccEvaluator
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import ZeroRetriever
from opencompass.utils.postprocessors_oc import match_answer_pattern

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
            prompt_template=dict(type=PromptTemplate, template=dict(round=[
                dict(role='HUMAN',
                     prompt=f'请回答以下关于{cmmlu_subject_mapping[_name]}的单项选择题, '
                            "你回答的最后一行**必须**是以下格式 '答案: $选项' (不带引号), "
                            '其中选项是ABCD之一. 请在回答之前一步步思考.\n\n{question}\n\n'
                            'A) {A}\nB) {B}\nC) {C}\nD) {D}'),
            ])),
            retriever=dict(type=ZeroRetriever),
            inferencer=dict(type=GenInferencer)),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator),
                      pred_postprocessor=dict(type=match_answer_pattern,
                                              answer_pattern=r'(?i)答案\s*:\s*[\W]*([A-D])[\W]*')),
    )
    for _name in cmmlu_all_sets
]
