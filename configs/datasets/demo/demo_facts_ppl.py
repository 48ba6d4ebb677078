from opencompass.datasets import CustomDataset
from opencompass.openicl.icl_evaluator import AccEvaluator
from opencompass.openicl.icl_inferencer import PPLInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import ZeroRetriever

# Everyday facts with four options (data/demo/facts.jsonl): the model's loglikelihood of
# each option's answer text picks the prediction.
demo_facts_datasets = [
    dict(
        abbr='demo_facts',
        type=CustomDataset,
        path='data/demo/facts.jsonl',
        reader_cfg=dict(input_columns=['question', 'A', 'B', 'C', 'D'], output_column='answer'),
        infer_cfg=dict(
            prompt_template=dict(
                type=PromptTemplate,
                template={
                    label: dict(round=[
                        dict(role='HUMAN', prompt='{question}'),
                        dict(role='BOT', prompt='{' + label + '}'),
                    ])
                    for label in ['A', 'B', 'C', 'D']
                }),
            retriever=dict(type=ZeroRetriever),
            inferencer=dict(type=PPLInferencer)),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator)),
    )
]
