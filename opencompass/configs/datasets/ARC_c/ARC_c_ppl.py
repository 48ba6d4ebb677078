"""ARC-Challenge (AI2 Reasoning Challenge), zero-shot, scored by loglikelihood: the option
whose text, written after the question, the model finds least perplexing.

Data: the dataset id ``opencompass/ai2_arc-dev`` (docs/compatibility.md).
"""
from opencompass.datasets import ARCDataset
from opencompass.openicl.icl_evaluator import AccEvaluator
from opencompass.openicl.icl_inferencer import PPLInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import ZeroRetriever

ARC_c_reader_cfg = dict(input_columns=['question', 'textA', 'textB', 'textC', 'textD'],
                        output_column='answerKey')

ARC_c_datasets = [
    dict(
        abbr='ARC-c',
        type=ARCDataset,
        path='opencompass/ai2_arc-dev',
        name='ARC-Challenge',
        reader_cfg=ARC_c_reader_cfg,
        infer_cfg=dict(
            prompt_template=dict(
                type=PromptTemplate,
                template={_opt: 'Question: {question}\nAnswer: {text' + _opt + '}'
                          for _opt in ['A', 'B', 'C', 'D']}),
            retriever=dict(type=ZeroRetriever),
            inferencer=dict(type=PPLInferencer)),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator)),
    )
]
