"""C-Eval (52 subjects), 5-shot from each subject's dev split, answered by generation.

Data: the dataset id ``opencompass/ceval-exam``:
<data root>/ceval/formal_ceval/{dev,val}/<subject>_{dev,val}.csv. The scored split is ``val``
(the test split's answers are not published), as in OpenCompass, whose ``ceval_gen`` is this
prompt: the C-Eval paper's instruction naming the subject in Chinese, five solved dev
questions as chat turns, then the question ending in "答案: ". The first capital letter of
the reply is the choice (``first_capital_postprocess``). Abbrs ``ceval-<subject>``; summary
groups (STEM, social science, humanities, other, hard, average):
configs/summarizers/groups/ceval.py.
"""
from mmengine.config import read_base

from opencompass.datasets import CEvalDataset
from opencompass.openicl.icl_evaluator import AccEvaluator
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import FixKRetriever
from opencompass.utils.text_postprocessors import first_capital_postprocess

with read_base():  # the subject list, shared with the other C-Eval configs and the groups
    from .ceval_all_sets import ceval_all_sets, ceval_subject_mapping

ceval_reader_cfg = dict(input_columns=['question', 'A', 'B', 'C', 'D'], output_column='answer',
                        train_split='dev', test_split='val')

ceval_datasets = [
    dict(
        abbr=f'ceval-{_name}',
        type=CEvalDataset,
        path='opencompass/ceval-exam',
        name=_name,
        reader_cfg=ceval_reader_cfg,
        infer_cfg=dict(
            ice_template=dict(
                type=PromptTemplate,
                template=dict(begin='</E>', round=[
                    dict(role='HUMAN',
                         prompt=f'以下是中国关于{ceval_subject_mapping[_name][1]}考试的单项选择题，'
                                '请选出其中的正确答案。\n{question}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\n'
                                '答案: '),
                    dict(role='BOT', prompt='{answer}'),
                ]),
                ice_token='</E>'),
            retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3, 4]),
            inferencer=dict(type=GenInferencer)),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator),
                      pred_postprocessor=dict(type=first_capital_postprocess)),
    )
    for _name in ceval_all_sets
]
