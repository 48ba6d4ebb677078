"""MATH, zero-shot: the model is asked to reason and put its answer in ``\\boxed{}``.

Data: ``opencompass/math`` (<data root>/math/math.json); scored like ``math_gen``
(``math_postprocess_v2`` then ``MATHEvaluator``). Suits chat models.
"""
from opencompass.datasets import MATHDataset, MATHEvaluator, math_postprocess_v2
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import ZeroRetriever

math_reader_cfg = dict(input_columns=['problem'], output_column='solution')

math_infer_cfg = dict(
    prompt_template=dict(
        type=PromptTemplate,
        template=dict(round=[
            dict(role='HUMAN', prompt='{problem}\nThink it through step by step, then give the '
                                      'final answer inside \\boxed{}.'),
        ])),
    retriever=dict(type=ZeroRetriever),
    inferencer=dict(type=GenInferencer, max_out_len=1024))

math_eval_cfg = dict(evaluator=dict(type=MATHEvaluator, version='v2'),
                     pred_postprocessor=dict(type=math_postprocess_v2))

math_datasets = [
    dict(
        type=MATHDataset,
        abbr='math',
        path='opencompass/math',
        reader_cfg=math_reader_cfg,
        infer_cfg=math_infer_cfg,
        eval_cfg=math_eval_cfg)
]
