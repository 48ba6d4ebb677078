"""BIG-Bench Hard (27 tasks), 3-shot chain of thought, exact match on the final answer.

Data: the dataset id ``opencompass/bbh``: <data root>/BBH/data/<task>.json, and the few-shot
prompts <data root>/BBH/lib_prompt/<task>.txt (the loader finds lib_prompt/ next to data/
and puts the prompt in the ``few_shot`` column).
Multiple-choice tasks compare the letter in "(X)"; free-form tasks compare the text
after "the answer is". Summary group "bbh": configs/summarizers/groups/bbh.py.
"""
from opencompass.datasets import BBHDataset, BBHEvaluator, BBHEvaluator_mcq, bbh_mcq_postprocess
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import ZeroRetriever

bbh_multiple_choice_sets = [
    'temporal_sequences', 'disambiguation_qa', 'date_understanding',
    'tracking_shuffled_objects_three_objects', 'penguins_in_a_table', 'geometric_shapes',
    'snarks', 'ruin_names', 'tracking_shuffled_objects_seven_objects',
    'tracking_shuffled_objects_five_objects', 'logical_deduction_three_objects', 'hyperbaton',
    'logical_deduction_five_objects', 'logical_deduction_seven_objects', 'movie_recommendation',
    'salient_translation_error_detection', 'reasoning_about_colored_objects',
]
bbh_free_form_sets = [
    'multistep_arithmetic_two', 'navigate', 'dyck_languages', 'word_sorting',
    'sports_understanding', 'boolean_expressions', 'object_counting', 'formal_fallacies',
    'causal_judgement', 'web_of_lies',
]

bbh_reader_cfg = dict(input_columns=['input', 'few_shot'], output_column='target')

bbh_infer_cfg = dict(
    prompt_template=dict(
        type=PromptTemplate,
        template=dict(round=[
            dict(role='HUMAN',
                 prompt="Follow the given examples and answer the question.\n{few_shot}\n\n"
                        "Q: {input}\nA: Let's think step by step."),
        ])),
    retriever=dict(type=ZeroRetriever),
    inferencer=dict(type=GenInferencer, max_out_len=512, stopping_criteria=['\n\nQ:']))

bbh_datasets = [
    dict(
        abbr=f'bbh-{_name}',
        type=BBHDataset,
        path='opencompass/bbh',
        name=_name,
        reader_cfg=bbh_reader_cfg,
        infer_cfg=bbh_infer_cfg,
        eval_cfg=dict(evaluator=dict(type=BBHEvaluator_mcq),
                      pred_postprocessor=dict(type=bbh_mcq_postprocess),
                      dataset_postprocessor=dict(type=bbh_mcq_postprocess)),
    )
    for _name in bbh_multiple_choice_sets
] + [
    dict(
        abbr=f'bbh-{_name}',
        type=BBHDataset,
        path='opencompass/bbh',
        name=_name,
        reader_cfg=bbh_reader_cfg,
        infer_cfg=bbh_infer_cfg,
        eval_cfg=dict(evaluator=dict(type=BBHEvaluator)),
    )
    for _name in bbh_free_form_sets
]
