"""GSM8K: grade-school math, 4-shot chain of thought, answered by generation.

Data: the dataset id ``opencompass/gsm8k``: <data root>/gsm8k/{train,test}.jsonl. The few-shot
examples are the first four train problems with their worked solutions, so the model
learns to end with "#### <number>"; ``gsm8k_postprocess`` reads that number (or the
one after "The answer is", or the last number) and ``Gsm8kEvaluator`` compares it with
the reference's "#### <number>" as numbers.
"""
from opencompass.datasets import (
                                  GSM8KDataset,
                                  Gsm8kEvaluator,
                                  gsm8k_dataset_postprocess,
                                  gsm8k_postprocess,
)
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import FixKRetriever

gsm8k_reader_cfg = dict(input_columns=['question'], output_column='answer')

gsm8k_datasets = [
    dict(
        abbr='gsm8k',
        type=GSM8KDataset,
        path='opencompass/gsm8k',
        reader_cfg=gsm8k_reader_cfg,
        infer_cfg=dict(
            ice_template=dict(type=PromptTemplate,
                              template='Question: {question}\nAnswer: {answer}\n'),
            prompt_template=dict(
                type=PromptTemplate,
                template=dict(round=[
                    dict(role='HUMAN', prompt='</E>Question: {question}\nAnswer:'),
                    dict(role='BOT', prompt='{answer}'),
                ]),
                ice_token='</E>'),
            retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3]),
            inferencer=dict(type=GenInferencer, max_out_len=512,
                            stopping_criteria=['Question:', '\n\n\n'])),
        eval_cfg=dict(evaluator=dict(type=Gsm8kEvaluator),
                      pred_postprocessor=dict(type=gsm8k_postprocess),
                      dataset_postprocessor=dict(type=gsm8k_dataset_postprocess)),
    )
]
