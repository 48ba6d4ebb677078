"""C-Eval summary groups: the paper's four categories, C-Eval Hard and the overall average.

Each is a plain average over its subjects' accuracy on the ``val`` split (abbrs
``ceval-<subject>``), OpenCompass's group names and convention. The subjects and their
categories come from datasets/ceval/ceval_all_sets.py. Use it in a run config:

    with read_base():
        from .datasets.ceval.ceval_gen import ceval_datasets
        from .summarizers.groups.ceval import ceval_summary_groups
    summarizer = dict(summary_groups=ceval_summary_groups)
"""
from mmengine.config import read_base

with read_base():
    from ...datasets.ceval.ceval_all_sets import ceval_hard_sets as _hard
    from ...datasets.ceval.ceval_all_sets import ceval_subject_mapping as _subjects


ceval_summary_groups = [
    {'name': f'ceval-{_slug}',
     'subsets': [f'ceval-{_s}' for _s, _v in _subjects.items() if _v[2] == _category]}
    for _slug, _category in [('stem', 'STEM'), ('social-science', 'Social Science'),
                             ('humanities', 'Humanities'), ('other', 'Other')]
] + [
    {'name': 'ceval-hard', 'subsets': [f'ceval-{_s}' for _s in _hard]},
    {'name': 'ceval', 'subsets': [f'ceval-{_s}' for _s in _subjects]},
]
