"""CMMLU summary groups: the authors' categories (STEM, humanities, social science, other,
China specific) and the overall average.

Each is a plain average over its subjects' accuracy (abbrs ``cmmlu-<subject>``),
OpenCompass's group names and convention; ``cmmlu`` averages all 67 subjects. The 15
China-specific subjects also count in one of the other four categories. The subjects and
categories come from datasets/cmmlu/cmmlu_all_sets.py. Use it in a run config:

    with read_base():
        from .datasets.cmmlu.cmmlu_ppl import cmmlu_datasets
        from .summarizers.groups.cmmlu import cmmlu_summary_groups
    summarizer = dict(summary_groups=cmmlu_summary_groups)
"""
from mmengine.config import read_base

with read_base():
    from ...datasets.cmmlu.cmmlu_all_sets import cmmlu_all_sets as _all
    from ...datasets.cmmlu.cmmlu_all_sets import cmmlu_categories as _categories

cmmlu_summary_groups = [
    {'name': f'cmmlu-{_slug}', 'subsets': [f'cmmlu-{_s}' for _s in _categories[_category]]}
    for _slug, _category in [('humanities', 'Humanities'), ('stem', 'STEM'),
                             ('social-science', 'Social Science'), ('other', 'Other'),
                             ('china-specific', 'China specific')]
] + [{'name': 'cmmlu', 'subsets': [f'cmmlu-{_s}' for _s in _all]}]
