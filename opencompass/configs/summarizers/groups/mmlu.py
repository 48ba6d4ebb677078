"""MMLU summary groups: the four categories of Hendrycks et al. and the overall average.

Categories follow the MMLU authors' ``categories.py`` (so ``anatomy`` counts under
"other", health; OpenCompass's own file lists it under STEM). Each category and
``mmlu`` are plain averages over subjects (OpenCompass's convention);
``mmlu-weighted`` weighs each subject by its number of questions, which is the
overall accuracy the MMLU paper reports. Use it in a run config:

    with read_base():
        from .datasets.mmlu.mmlu_gen import mmlu_datasets
        from .summarizers.groups.mmlu import mmlu_summary_groups
    summarizer = dict(summary_groups=mmlu_summary_groups)
"""

_mmlu_stem = [
    'abstract_algebra', 'astronomy', 'college_biology', 'college_chemistry',
    'college_computer_science', 'college_mathematics', 'college_physics', 'computer_security',
    'conceptual_physics', 'electrical_engineering', 'elementary_mathematics',
    'high_school_biology', 'high_school_chemistry', 'high_school_computer_science',
    'high_school_mathematics', 'high_school_physics', 'high_school_statistics',
    'machine_learning',
]
_mmlu_humanities = [
    'formal_logic', 'high_school_european_history', 'high_school_us_history',
    'high_school_world_history', 'international_law', 'jurisprudence', 'logical_fallacies',
    'moral_disputes', 'moral_scenarios', 'philosophy', 'prehistory', 'professional_law',
    'world_religions',
]
_mmlu_social_science = [
    'econometrics', 'high_school_geography', 'high_school_government_and_politics',
    'high_school_macroeconomics', 'high_school_microeconomics', 'high_school_psychology',
    'human_sexuality', 'professional_psychology', 'public_relations', 'security_studies',
    'sociology', 'us_foreign_policy',
]
_mmlu_other = [
    'anatomy', 'business_ethics', 'clinical_knowledge', 'college_medicine', 'global_facts',
    'human_aging', 'management', 'marketing', 'medical_genetics', 'miscellaneous', 'nutrition',
    'professional_accounting', 'professional_medicine', 'virology',
]
_mmlu_all = _mmlu_stem + _mmlu_humanities + _mmlu_social_science + _mmlu_other

mmlu_summary_groups = [
    {'name': 'mmlu-stem', 'subsets': ['lukaemon_mmlu_' + _s for _s in _mmlu_stem]},
    {'name': 'mmlu-humanities', 'subsets': ['lukaemon_mmlu_' + _s for _s in _mmlu_humanities]},
    {'name': 'mmlu-social-science',
     'subsets': ['lukaemon_mmlu_' + _s for _s in _mmlu_social_science]},
    {'name': 'mmlu-other', 'subsets': ['lukaemon_mmlu_' + _s for _s in _mmlu_other]},
    {'name': 'mmlu', 'subsets': ['lukaemon_mmlu_' + _s for _s in _mmlu_all]},
    {'name': 'mmlu-weighted', 'subsets': ['lukaemon_mmlu_' + _s for _s in _mmlu_all],
     'weights': 'num_samples'},
]
