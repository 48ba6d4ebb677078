"""MATH-500 (the 500-problem test subset of PRM800K), zero-shot chain of thought.

Data: ``opencompass/math`` with ``file_name='test_prm800k_500.json'`` (<data root>/math/,
the same ``id -> {problem, solution, ...}`` layout as math.json); scored like
``math_0shot_gen``.
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
    inferencer=dict(type=GenInferencer))

math_eval_cfg = dict(evaluator=dict(type=MATHEvaluator, version='v2'),
                     pred_postprocessor=dict(type=math_postprocess_v2))

math_datasets = [
    dict(
        type=MATHDataset,
        abbr='math_prm800k_500',
        path='opencompass/math',
        file_name='test_prm800k_500.json',
        reader_cfg=math_reader_cfg,
        infer_cfg=math_infer_cfg,
        eval_cfg=math_eval_cfg)
]
