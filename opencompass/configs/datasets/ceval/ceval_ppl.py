"""C-Eval (52 subjects), 5-shot from the dev split, scored by loglikelihood: the answer
letter whose completed prompt the model finds least perplexing is its choice.

Data: the dataset id ``opencompass/ceval-exam``:
<data root>/ceval/formal_ceval/{dev,val}/<subject>_{dev,val}.csv; the ``val`` split is
scored, as in OpenCompass, whose ``ceval_ppl`` is this prompt. Summary groups:
configs/summarizers/groups/ceval.py.
"""
from mmengine.config import read_base

from opencompass.datasets import CEvalDataset
from opencompass.openicl.icl_evaluator import AccEvaluator
from opencompass.openicl.icl_inferencer import PPLInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import FixKRetriever

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
                template={
                    _opt: dict(begin='</E>', round=[
                        dict(role='HUMAN',
                             prompt=f'以下是中国关于{ceval_subject_mapping[_name][1]}考试的单项选择题，'
                                    '请选出其中的正确答案。\n{question}\nA. {A}\nB. {B}\nC. {C}\n'
                                    'D. {D}\n答案: '),
                        dict(role='BOT', prompt=_opt),
                    ])
                    for _opt in ['A', 'B', 'C', 'D']
                },
                ice_token='</E>'),
            retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3, 4]),
            inferencer=dict(type=PPLInferencer)),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator)),
    )
    for _name in ceval_all_sets
]
