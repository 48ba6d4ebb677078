from opencompass.datasets import CustomDataset
from opencompass.openicl.icl_evaluator import AccEvaluator
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import ZeroRetriever
from opencompass.utils.text_postprocessors import last_number_postprocess

# Small-number arithmetic (data/demo/arith.jsonl), answered by generation.
demo_arith_datasets = [
    dict(
        abbr='demo_arith',
        type=CustomDataset,
        path='data/demo/arith.jsonl',
        reader_cfg=dict(input_columns=['question'], output_column='answer'),
        infer_cfg=dict(
            prompt_template=dict(
                type=PromptTemplate,
                template=dict(round=[
                    dict(role='HUMAN', prompt='{question} Reply with only the number.'),
                    dict(role='BOT', prompt='{answer}'),
                ])),
            retriever=dict(type=ZeroRetriever),
            inferencer=dict(type=GenInferencer, max_out_len=8)),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator),
                      pred_postprocessor=dict(type=last_number_postprocess)),
    )
]
