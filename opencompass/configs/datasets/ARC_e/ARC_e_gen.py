"""ARC-Easy (AI2 Reasoning Challenge), zero-shot, answered by generation.

Data: the dataset id ``opencompass/ai2_arc-easy-dev`` (the Dev split, as in OpenCompass),
found under COMPASS_DATA_CACHE (docs/compatibility.md).
The chosen letter is read from free text by ``first_option_postprocess``.
"""
from opencompass.datasets import ARCDataset
from opencompass.openicl.icl_evaluator import AccEvaluator
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import ZeroRetriever
from opencompass.utils.text_postprocessors import first_option_postprocess

ARC_e_reader_cfg = dict(input_columns=['question', 'textA', 'textB', 'textC', 'textD'],
                        output_column='answerKey')

ARC_e_datasets = [
    dict(
        abbr='ARC-e',
        type=ARCDataset,
        path='opencompass/ai2_arc-easy-dev',
        name='ARC-Easy',
        reader_cfg=ARC_e_reader_cfg,
        infer_cfg=dict(
            prompt_template=dict(
                type=PromptTemplate,
                template=dict(round=[
                    dict(role='HUMAN',
                         prompt='Question: {question}\nA. {textA}\nB. {textB}\nC. {textC}\n'
                                'D. {textD}\nAnswer with the letter of the correct option.\n'
                                'Answer:'),
                    dict(role='BOT', prompt='{answerKey}'),
                ])),
            retriever=dict(type=ZeroRetriever),
            inferencer=dict(type=GenInferencer, max_out_len=32, stopping_criteria=['\n\n'])),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator),
                      pred_postprocessor=dict(type=first_option_postprocess, options='ABCD')),
    )
]
