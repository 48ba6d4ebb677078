"""Check a whole config before anything runs; report every problem at once.

Each problem is one line naming the config key (``datasets[gsm8k].infer_cfg...``).
"""
from __future__ import annotations

import os
import re
from collections import Counter
from typing import Any

from .config_schema import check_values
from .datasets.base import parse_range
from .errors import ConfigError, OpenCompassError
from .registry import (
    ICL_EVALUATORS,
    ICL_INFERENCERS,
    ICL_PROMPT_TEMPLATES,
    ICL_RETRIEVERS,
    LOAD_DATASET,
    MODELS,
    PARTITIONERS,
    RUNNERS,
    SUMMARIZERS,
    TASKS,
    TEXT_POSTPROCESSORS,
    M,
    Registry,
)
from .utils.abbr import dataset_abbr, model_abbr
from .utils.logging import get_logger


class Checker:
    """Accumulates problems; ``type_of`` resolves a ``type=`` or records why not."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, problem: str) -> None:
        self.problems.append(problem)

    def type_of(self, cfg: Any, registry: Registry[M], where: str, required: bool = True) -> M | None:
        if cfg is None and not required:
            return None
        if not isinstance(cfg, dict) or 'type' not in cfg:
            self.add(f'{where}: expected a dict with a "type" key')
            return None
        try:
            return registry.get(cfg['type'], where=f'{where}.type')
        except OpenCompassError as e:
            self.add(str(e))
            return None


def validate(cfg: dict[str, Any], plan_only: bool = False) -> None:
    """Raise one ConfigError listing every problem found in ``cfg``.

    ``plan_only`` (``--dry-run``): a model missing from the offline hub cache is a warning,
    not an error, since planning needs no weights; a real run stops on it before any task."""
    check = Checker()
    models = cfg.get('models')
    datasets = cfg.get('datasets')
    if not isinstance(models, list) or not models:
        check.add('models: the config must define a non-empty list `models`')
        models = []
    if (not isinstance(datasets, list) or not datasets) and cfg.get('chatml_datasets'):
        check.add("chatml_datasets: OpenCompass's ChatML dataset lists are not supported by "
                  'opencompass-lite; define `datasets`')
        datasets = []
    elif not isinstance(datasets, list) or not datasets:
        check.add('datasets: the config must define a non-empty list `datasets`')
        datasets = []
    for i, m in enumerate(models):
        where = f"models[{m.get('abbr', i) if isinstance(m, dict) else i}]"
        check.type_of(m, MODELS, where)
        if isinstance(m, dict) and 'path' not in m:
            check.add(f'{where}: missing required key `path`')
        elif isinstance(m, dict):  # a hub id missing from the offline cache: one line, now
            from .models.hf_hub import precheck_model
            for problem in precheck_model(m):
                if plan_only:
                    get_logger().warning('%s: %s', where, problem)
                else:
                    check.add(f'{where}: {problem}')
    for i, d in enumerate(datasets):
        _check_dataset(check, d, i)
    _check_duplicates(check, models, datasets)
    _check_names(check, models, datasets)
    check_values(check.add, cfg)
    for stage, task in (('infer', 'OpenICLInferTask'), ('eval', 'OpenICLEvalTask')):
        section = cfg.get(stage, {})
        check.type_of(section.get('partitioner'), PARTITIONERS, f'{stage}.partitioner')
        check.type_of(section.get('runner'), RUNNERS, f'{stage}.runner')
        check.type_of(section.get('runner', {}).get('task', {'type': task}), TASKS,
                      f'{stage}.runner.task')
    check.type_of(cfg.get('summarizer'), SUMMARIZERS, 'summarizer', required=False)
    _check_summary_groups(check, cfg)
    if check.problems:
        raise ConfigError(merge_alike(check.problems))


_ENTRY = re.compile(r'^(models|datasets)\[([^\]]*)\](\S*): (.*)$', re.S)


def merge_alike(problems: list[str]) -> list[str]:
    """One line for one cause: the same problem of several entries (27 BBH subsets whose
    data folder is missing) becomes ``datasets[a, b, c and 24 more].path: ...``."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for problem in problems:
        m = _ENTRY.match(problem)
        key = (m.group(1), m.group(3), m.group(4)) if m else ('', '', problem)
        groups.setdefault(key, []).append(m.group(2) if m else '')
    merged = []
    for (kind, field, text), names in groups.items():
        if not kind:
            merged.append(text)  # the very same line twice says nothing new
            continue
        shown = ', '.join(names[:3]) + (f' and {len(names) - 3} more' if len(names) > 3 else '')
        merged.append(f'{kind}[{shown}]{field}: {text}')
    return merged


def _check_dataset(check: Checker, d: Any, i: int) -> None:
    if not isinstance(d, dict):
        check.add(f'datasets[{i}]: expected a dict, got {type(d).__name__}')
        return
    where = f'datasets[{dataset_abbr(d)}]'
    loader = check.type_of(d, LOAD_DATASET, where)
    reader = d.get('reader_cfg')
    if not isinstance(reader, dict):
        check.add(f'{where}: missing required key `reader_cfg`')
        reader = {}
    elif not reader.get('input_columns'):
        check.add(f'{where}.reader_cfg: missing required key `input_columns`')
    for key in ('test_range', 'train_range'):
        if reader.get(key):
            try:
                parse_range(reader[key], f'{where}.reader_cfg.{key}')
            except ConfigError as e:
                check.add(str(e))
    infer = d.get('infer_cfg')
    if not isinstance(infer, dict):
        check.add(f'{where}: missing required key `infer_cfg`')
    else:
        check.type_of(infer.get('prompt_template'), ICL_PROMPT_TEMPLATES,
                      f'{where}.infer_cfg.prompt_template', required=False)
        check.type_of(infer.get('ice_template'), ICL_PROMPT_TEMPLATES,
                      f'{where}.infer_cfg.ice_template', required=False)
        check.type_of(infer.get('retriever'), ICL_RETRIEVERS, f'{where}.infer_cfg.retriever',
                      required=False)
        check.type_of(infer.get('inferencer'), ICL_INFERENCERS, f'{where}.infer_cfg.inferencer',
                      required=False)
        if not infer.get('prompt_template') and not infer.get('ice_template'):
            check.add(f'{where}.infer_cfg: needs a prompt_template')
    ev = d.get('eval_cfg') or {}
    check.type_of(ev.get('evaluator'), ICL_EVALUATORS, f'{where}.eval_cfg.evaluator',
                  required=False)
    for key in ('pred_postprocessor', 'dataset_postprocessor', 'model_postprocessor'):
        check.type_of(ev.get(key), TEXT_POSTPROCESSORS, f'{where}.eval_cfg.{key}', required=False)
    if loader is not None:
        try:
            files: list[str] = getattr(loader, 'required_files', lambda **_: [])(**d)
        except OpenCompassError as e:  # e.g. a dataset id whose files are not under the data root
            check.add(f'{where}.path: {e}')
            files = []
        for path in files:
            if not os.path.exists(path):
                hint = getattr(loader, 'DATA_HINT', '')  # how to obtain a benchmark's files
                check.add(f"{where}.path: dataset file not found: '{path}'"
                          + (f'; {hint}' if hint else ''))
            elif not os.access(path, os.R_OK):
                check.add(f"{where}.path: dataset file is not readable (permissions): '{path}'")


def _check_summary_groups(check: Checker, cfg: dict[str, Any]) -> None:
    from .summarizers.groups import check_group
    summarizer = cfg['summarizer'] if isinstance(cfg.get('summarizer'), dict) else {}
    for key, groups in (('summarizer.summary_groups', summarizer.get('summary_groups')),
                        ('summary_groups', cfg.get('summary_groups'))):
        for group in groups if isinstance(groups, list) else []:
            try:
                check_group(group, key)
            except ConfigError as e:
                check.add(str(e))


def _check_duplicates(check: Checker, models: list[Any], datasets: list[Any]) -> None:
    for kind, items, name in (('models', models, model_abbr), ('datasets', datasets, dataset_abbr)):
        counts = Counter(name(x) for x in items if isinstance(x, dict))
        repeated = [f"'{abbr}' ({n} entries)" for abbr, n in counts.items() if n > 1]
        if len(repeated) == 1:
            abbr, n = next((a, n) for a, n in counts.items() if n > 1)
            check.add(f"{kind}: abbr '{abbr}' is used by {n} entries; give each a unique abbr")
        elif repeated:  # one line for one cause (two lists of the same subsets, say)
            shown = ', '.join(repeated[:3]) + (f' and {len(repeated) - 3} more'
                                              if len(repeated) > 3 else '')
            check.add(f'{kind}: {len(repeated)} abbrs are used more than once: {shown}; give '
                      'each entry a unique abbr (two lists of the same datasets loaded together?)')


def _check_names(check: Checker, models: list[Any], datasets: list[Any]) -> None:
    """Every abbr is one safe path component, and no two entries would share a file."""
    from .utils.names import abbr_problem, collisions, pair_collisions
    names: dict[str, list[str]] = {'models': [], 'datasets': []}
    for kind, items, name in (('models', models, model_abbr), ('datasets', datasets, dataset_abbr)):
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            given = 'abbr' in item and item['abbr'] is not None
            abbr = item['abbr'] if given else name(item)
            if not isinstance(abbr, str) or (kind == 'datasets' and not abbr):
                continue  # reported by config_schema
            why = abbr_problem(abbr)
            if why is None:
                names[kind].append(abbr)
                continue
            shown = repr(abbr)[:80]
            origin = '' if given else f" (derived from path {str(item.get('path'))[:60]!r})"
            plain = re.sub(r'[^A-Za-z0-9+-]+', '_', abbr).strip('_') or kind[:-1]
            check.add(f'{kind}[{i}].abbr {shown}{origin} is not usable as a file name: {why}; '
                      f"set abbr= to a plain name such as '{plain}'")
    found = [p for kind in ('models', 'datasets') for p in collisions(kind, names[kind])]
    found = found or list(pair_collisions(names['models'], names['datasets']))
    for problem in found:
        check.add(problem)
