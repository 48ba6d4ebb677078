"""Summary groups: one row averaging the scores of several datasets.

A group is ``dict(name='mmlu', subsets=['mmlu_a', 'mmlu_b', ...])`` (plain average) plus,
for a weighted average, ``weights``: either a dict from subset to weight (subsets not
listed weigh 0, as in OpenCompass) or ``'num_samples'`` to weigh each subset by the
number of samples it scored — the micro average over all questions, which is how
benchmarks such as MMLU report their overall accuracy. A group may name an earlier
group as a subset; its sample count is the sum of its subsets'.
"""
from __future__ import annotations

from typing import Any

from ..errors import ConfigError


def subset_name(subset: Any) -> str:
    """The dataset (or group) a subset names: ``'abbr'`` or ``['abbr', 'metric']``."""
    return str(subset[0]) if isinstance(subset, (list, tuple)) and subset else str(subset)


def group_mode(group: dict[str, Any]) -> str:
    """The summary table's ``metric`` column for the group."""
    return 'weighted_average' if group.get('weights') else 'naive_average'


def check_group(group: Any, where: str = 'summarizer.summary_groups') -> None:
    """Raise a ConfigError for a malformed group (missing name/subsets, bad weights)."""
    if not isinstance(group, dict) or 'name' not in group or not group.get('subsets'):
        raise ConfigError(f'{where}: each group needs a "name" and a non-empty "subsets" list')
    weights = group.get('weights')
    if weights and weights != 'num_samples' and not isinstance(weights, dict):
        raise ConfigError(f"{where}[{group['name']}].weights: a dict from subset to weight or "
                          f"'num_samples', got {weights!r:.60}")
    if isinstance(weights, dict):
        bad = [k for k, v in weights.items()
               if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0]
        if bad:
            raise ConfigError(f"{where}[{group['name']}].weights: weights must be numbers "
                              f'>= 0 (see {bad[0]!r})')


def group_average(group: dict[str, Any], values: list[float | None],
                  counts: list[int | None]) -> float | None:
    """The group's score from its subsets' scores (and sample counts); None when a score
    it needs is missing or all weights are zero."""
    subsets = list(group['subsets'])
    weights = group.get('weights')
    if weights == 'num_samples':
        w = [float(c) if isinstance(c, (int, float)) else None for c in counts]
    elif isinstance(weights, dict):
        w = [float(weights.get(subset_name(s), 0)) for s in subsets]
    else:
        w = [1.0] * len(subsets)
    needed = [(v, x) for v, x in zip(values, w) if x is None or x > 0]
    known = [(v, x) for v, x in needed if v is not None and x is not None]
    if not needed or len(known) < len(needed):
        return None
    total = sum(x for _, x in known)
    return sum(v * x for v, x in known) / total if total else None
