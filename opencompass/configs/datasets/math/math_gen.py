"""MATH: competition mathematics, 4-shot chain of thought, answered by generation.

Data: the dataset id ``opencompass/math``: <data root>/math/math.json (OpenCompass's data
archive; a dict ``id -> {problem, level, type, solution}``). The four worked examples below
were written for this project; each ends with its answer in ``\\boxed{}``, so
``math_postprocess_v2`` reads the model's last box (or the sentence saying "answer is", or
the last number) and ``MATHEvaluator`` compares it with the reference's boxed answer as
LaTeX text or as a number (``\\frac{1}{2}`` = ``1/2`` = ``0.5``).
"""
from opencompass.datasets import MATHDataset, MATHEvaluator, math_postprocess_v2
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import ZeroRetriever

_EXAMPLES = [
    ('What is the sum of the positive divisors of $12$?',
     'The positive divisors of $12$ are $1, 2, 3, 4, 6, 12$. Their sum is $1+2+3+4+6+12=28$. '
     'The answer is $\\boxed{28}$.'),
    ('Solve for $x$: $3x - 7 = 2x + 5$.',
     'Subtracting $2x$ from both sides gives $x - 7 = 5$, so $x = 12$. The answer is $\\boxed{12}$.'),
    ('A bag holds $3$ red and $5$ blue marbles. One marble is drawn at random. What is the '
     'probability that it is red? Express your answer as a common fraction.',
     'There are $3 + 5 = 8$ marbles and $3$ of them are red, so the probability is '
     '$\\frac{3}{8}$. The answer is $\\boxed{\\frac{3}{8}}$.'),
    ('Find the distance between the points $(1, 2)$ and $(4, 6)$.',
     'The distance is $\\sqrt{(4-1)^2 + (6-2)^2} = \\sqrt{9 + 16} = \\sqrt{25} = 5$. '
     'The answer is $\\boxed{5}$.'),
]

math_reader_cfg = dict(input_columns=['problem'], output_column='solution')

math_infer_cfg = dict(
    prompt_template=dict(
        type=PromptTemplate,
        template=dict(round=[
            *[turn for problem, solution in _EXAMPLES for turn in (
                dict(role='HUMAN', prompt=f'Problem:\n{problem}\nSolution:'),
                dict(role='BOT', prompt=f'{solution}\n'))],
            dict(role='HUMAN', prompt='Problem:\n{problem}\nSolution:'),
        ])),
    retriever=dict(type=ZeroRetriever),
    inferencer=dict(type=GenInferencer, max_out_len=1024, stopping_criteria=['Problem:']))

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
