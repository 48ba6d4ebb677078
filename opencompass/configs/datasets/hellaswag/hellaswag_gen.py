"""HellaSwag, zero-shot, the ending chosen by generation (a letter A-D).

Data: the dataset id ``opencompass/hellaswag`` (docs/compatibility.md).
"""
from opencompass.datasets import HellaswagDataset
from opencompass.openicl.icl_evaluator import AccEvaluator
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import ZeroRetriever
from opencompass.utils.text_postprocessors import first_option_postprocess

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
                template=dict(round=[
                    dict(role='HUMAN',
                         prompt='{ctx}\nQuestion: Which ending makes the most sense?\n'
                                'A. {A}\nB. {B}\nC. {C}\nD. {D}\n'
                                "You may choose from 'A', 'B', 'C', 'D'.\nAnswer:"),
                    dict(role='BOT', prompt='{label}'),
                ])),
            retriever=dict(type=ZeroRetriever),
            inferencer=dict(type=GenInferencer, max_out_len=32, stopping_criteria=['\n\n'])),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator),
                      pred_postprocessor=dict(type=first_option_postprocess, options='ABCD')),
    )
]
