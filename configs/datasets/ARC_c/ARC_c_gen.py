"""ARC-Challenge (AI2 Reasoning Challenge), zero-shot, answered by generation.

Data: data/ARC/ARC-c/ARC-Challenge-Test.jsonl (see the README, "Benchmarks"); set path= to
the -Dev.jsonl file to score the dev split instead (OpenCompass's own configs do).
The chosen letter is read from free text by ``first_option_postprocess``.
"""
from opencompass.datasets import ARCDataset
from opencompass.openicl.icl_evaluator import AccEvaluator
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import ZeroRetriever
from opencompass.utils.text_postprocessors import first_option_postprocess

ARC_c_reader_cfg = dict(input_columns=['question', 'textA', 'textB', 'textC', 'textD'],
                        output_column='answerKey')

ARC_c_datasets = [
    dict(
        abbr='ARC-c',
        type=ARCDataset,
        path='./data/ARC/ARC-c/ARC-Challenge-Test.jsonl',
        reader_cfg=ARC_c_reader_cfg,
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
