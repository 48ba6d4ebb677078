"""The summarizer ``run.py --datasets ...`` uses unless ``--summarizer`` names another.

It adds every summary group shipped here (MMLU, C-Eval and CMMLU categories and averages,
BBH average); a group none of whose subsets is in the run is left out of the table.
"""
from mmengine.config import read_base

with read_base():
    from .groups.bbh import bbh_summary_groups
    from .groups.ceval import ceval_summary_groups
    from .groups.cmmlu import cmmlu_summary_groups
    from .groups.mmlu import mmlu_summary_groups

summarizer = dict(summary_groups=[*mmlu_summary_groups, *bbh_summary_groups, *ceval_summary_groups,
                                  *cmmlu_summary_groups])
