"""Giving the LLM-judge evaluators of a config their judge model, before anything runs.

OpenCompass's dataset configs ship ``judge_cfg=dict()``: the user supplies the judge by
setting it in the config (often in a loop over ``datasets``), or through the environment
(``OC_JUDGE_MODEL``, ``OC_JUDGE_API_BASE``, ``OC_JUDGE_API_KEY``). Here a top-level
``judge_models = [model_cfg]`` fills every empty ``judge_cfg`` too. :func:`fill_judges`
applies those defaults to the config (so the judge is part of each result's fingerprint),
:func:`check_judges` refuses a run that would reach evaluation without a judge.
"""
from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from ..errors import ConfigError
from ..utils.abbr import dataset_abbr
from .judge import HOW_TO_SET, env_judge_cfg

JUDGE_TYPES = ('GenericLLMEvaluator', 'LMEvaluator')


def _type_name(value: Any) -> str:
    name = value if isinstance(value, str) else getattr(value, '__name__', '')
    return str(name).rsplit('.', 1)[-1]


def judge_slots(datasets: list[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(where, evaluator_cfg)`` of every judge evaluator of the datasets (nested ones too)."""
    for d in datasets or []:
        if not isinstance(d, dict):
            continue
        ev = (d.get('eval_cfg') or {}).get('evaluator') if isinstance(d.get('eval_cfg'), dict) else None
        where = f'datasets[{dataset_abbr(d)}].eval_cfg.evaluator'
        stack = [(where, ev)]
        while stack:
            at, cfg = stack.pop()
            if not isinstance(cfg, dict):
                continue
            if 'judge_cfg' in cfg or _type_name(cfg.get('type')) in JUDGE_TYPES:
                yield at, cfg
            for key in ('llm_evaluator',):
                stack.append((f'{at}.{key}', cfg.get(key)))


def fill_judges(cfg: dict[str, Any]) -> None:
    """Fill every empty ``judge_cfg``: from ``judge_models[0]``, else from ``OC_JUDGE_*``."""
    judges = cfg.get('judge_models')
    default = copy.deepcopy(judges[0]) if isinstance(judges, list) and judges and \
        isinstance(judges[0], dict) else env_judge_cfg()
    if default is None:
        return
    for _, ev in judge_slots(cfg.get('datasets') or []):
        if not ev.get('judge_cfg'):
            ev['judge_cfg'] = copy.deepcopy(default)


def check_judges(datasets: list[Any]) -> None:
    """A ConfigError naming the first evaluator whose ``judge_cfg`` is still empty (or names
    an unknown model type)."""
    from ..registry import MODELS
    slots = list(judge_slots(datasets))
    for where, ev in slots:  # a judge whose type is unknown: say so before inference, too
        judge = ev.get('judge_cfg')
        if isinstance(judge, dict) and judge.get('type'):
            MODELS.get(judge['type'], where=f'{where}.judge_cfg.type')
    empty = [where for where, ev in slots if not ev.get('judge_cfg')]
    if empty:
        more = f' (and {len(empty) - 1} more)' if len(empty) > 1 else ''
        raise ConfigError(f'{empty[0]}.judge_cfg is empty{more}: no judge model to grade the '
                          f'answers; {HOW_TO_SET}')


def judge_gpus(dataset_lists: list[list[Any]]) -> int:
    """The GPUs the judges of these datasets ask for (``judge_cfg.run_cfg.num_gpus``)."""
    n = 0
    for datasets in dataset_lists:
        for _, ev in judge_slots(datasets):
            judge = ev.get('judge_cfg')
            run_cfg = judge.get('run_cfg') if isinstance(judge, dict) else None
            if isinstance(run_cfg, dict):
                n = max(n, int(run_cfg.get('num_gpus') or 0))
    return n
