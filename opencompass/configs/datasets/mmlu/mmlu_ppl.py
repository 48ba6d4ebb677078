"""MMLU (57 subjects), 5-shot from the dev split, scored by loglikelihood: the answer
letter whose completed prompt the model finds least perplexing is its choice.

Data: the dataset id ``opencompass/mmlu``: <data root>/mmlu/{dev,test}/<subject>_{dev,test}.csv.
Summary groups: configs/summarizers/groups/mmlu.py.
"""
from opencompass.datasets import MMLUDataset
from opencompass.openicl.icl_evaluator import AccEvaluator
from opencompass.openicl.icl_inferencer import PPLInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import FixKRetriever

mmlu_all_sets = [
    'abstract_algebra', 'anatomy', 'astronomy', 'business_ethics', 'clinical_knowledge',
    'college_biology', 'college_chemistry', 'college_computer_science', 'college_mathematics',
    'college_medicine', 'college_physics', 'computer_security', 'conceptual_physics',
    'econometrics', 'electrical_engineering', 'elementary_mathematics', 'formal_logic',
    'global_facts', 'high_school_biology', 'high_school_chemistry',
    'high_school_computer_science', 'high_school_european_history', 'high_school_geography',
    'high_school_government_and_politics', 'high_school_macroeconomics',
    'high_school_mathematics', 'high_school_microeconomics', 'high_school_physics',
    'high_school_psychology', 'high_school_statistics', 'high_school_us_history',
    'high_school_world_history', 'human_aging', 'human_sexuality', 'international_law',
    'jurisprudence', 'logical_fallacies', 'machine_learning', 'management', 'marketing',
    'medical_genetics', 'miscellaneous', 'moral_disputes', 'moral_scenarios', 'nutrition',
    'philosophy', 'prehistory', 'professional_accounting', 'professional_law',
    'professional_medicine', 'professional_psychology', 'public_relations',
    'security_studies', 'sociology', 'us_foreign_policy', 'virology', 'world_religions',
]

mmlu_reader_cfg = dict(input_columns=['input', 'A', 'B', 'C', 'D'], output_column='target',
                       train_split='dev')

mmlu_datasets = [
    dict(
        abbr=f'lukaemon_mmlu_{_name}',
        type=MMLUDataset,
        path='opencompass/mmlu',
        name=_name,
        reader_cfg=mmlu_reader_cfg,
        infer_cfg=dict(
            ice_template=dict(
                type=PromptTemplate,
                template='{input}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\nAnswer: {target}\n'),
            prompt_template=dict(
                type=PromptTemplate,
                template={
                    _opt: 'The following are multiple choice questions (with answers) about '
                          f"{_name.replace('_', ' ')}.\n\n"
                          '</E>{input}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\nAnswer: ' + _opt
                    for _opt in ['A', 'B', 'C', 'D']
                },
                ice_token='</E>'),
            retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3, 4]),
            inferencer=dict(type=PPLInferencer)),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator)),
    )
    for _name in mmlu_all_sets
]
