"""HellaSwag, zero-shot, scored by loglikelihood: the context followed by each ending,
the least perplexing ending is the model's choice.

Data: the dataset id ``opencompass/hellaswag`` (docs/compatibility.md).
"""
from opencompass.datasets import HellaswagDataset
from opencompass.openicl.icl_evaluator import AccEvaluator
from opencompass.openicl.icl_inferencer import PPLInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import ZeroRetriever

hellaswag_reader_cfg = dict(input_columns=['ctx', 'A', 'B', 'C', 'D'], output_column='label')

hellaswag_datasets = [
    dict(
        abbr='hellaswag',
        type=HellaswagDataset,
        path='opencompass/hellaswag',
        label_format='letter',  # the templates are keyed A-D (OpenCompass's own file has 0-3)
        reader_cfg=hellaswag_reader_cfg,
        infer_cfg=dict(
            prompt_template=dict(
                type=PromptTemplate,
                template={_opt: '{ctx} {' + _opt + '}' for _opt in ['A', 'B', 'C', 'D']}),
            retriever=dict(type=ZeroRetriever),
            inferencer=dict(type=PPLInferencer)),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator)),
    )
]
