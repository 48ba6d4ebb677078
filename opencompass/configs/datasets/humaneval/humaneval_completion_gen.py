"""HumanEval, pass@1, for base (completion) models: the model continues the prompt.

The prompt is the problem itself (signature + docstring); generation stops where
the function body ends (the stop words of the original human-eval harness), and
the evaluator runs prompt + completion + tests in the sandbox. See humaneval_gen.py
for the chat variant.
"""
from opencompass.datasets import HumanevalDataset, HumanEvalEvaluator, humaneval_postprocess
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import ZeroRetriever

humaneval_completion_datasets = [
    dict(
        abbr='openai_humaneval_completion',
        type=HumanevalDataset,
        reader_cfg=dict(input_columns=['prompt'], output_column='task_id'),
        infer_cfg=dict(
            prompt_template=dict(type=PromptTemplate, template='{prompt}'),
            retriever=dict(type=ZeroRetriever),
            inferencer=dict(type=GenInferencer, max_out_len=512,
                            stopping_criteria=['\nclass', '\ndef', '\n#', '\nif', '\nprint'])),
        eval_cfg=dict(evaluator=dict(type=HumanEvalEvaluator, k=[1, 10, 100], timeout=10.0),
                      pred_postprocessor=dict(type=humaneval_postprocess)),
    )
]
