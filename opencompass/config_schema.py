"""The shape of a config's values: known keys, value types and ranges, with "did you mean".

:mod:`.validation` calls :func:`check_values` after resolving types; every
problem becomes one line naming the config key, e.g.
``models[tiny].max_out_len: expected a positive integer, got '100' (str)``.
"""
from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from .utils.abbr import dataset_abbr
from .utils.redaction import scrub

Add = Callable[[str], None]
Check = Callable[[Any], bool]


def _int(minimum: int) -> Check:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= minimum


POS_INT, NONNEG_INT = _int(1), _int(0)


def _str(v: Any) -> bool:
    return isinstance(v, str)


def _str_list(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v)


def _columns(v: Any) -> bool:
    return (isinstance(v, str) and bool(v)) or (_str_list(v) and len(v) > 0)


def _dict(v: Any) -> bool:
    return isinstance(v, dict)


def _opt_str(v: Any) -> bool:
    return v is None or isinstance(v, str)


def _int_list(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and all(NONNEG_INT(x) for x in v)


EXPECTED = {POS_INT: 'a positive integer', NONNEG_INT: 'an integer >= 0', _str: 'a string',
            _str_list: 'a list of strings', _columns: 'a column name or a non-empty list of '
            'column names', _dict: 'a dict', _opt_str: 'a string (or None)',
            _int_list: 'a list of row indices (integers >= 0)'}

MODEL = {'abbr': _str, 'path': _str, 'max_out_len': POS_INT, 'max_seq_len': POS_INT,
         'batch_size': POS_INT, 'run_cfg': _dict, 'generation_kwargs': _dict,
         'model_kwargs': _dict, 'tokenizer_kwargs': _dict, 'meta_template': _dict,
         'stop_words': _str_list, 'tokenizer_path': _opt_str, 'max_num_workers': POS_INT,
         'retry': NONNEG_INT}
RUN_CFG = {'num_gpus': NONNEG_INT, 'num_procs': POS_INT}
READER = {'input_columns': _columns, 'output_column': _opt_str, 'train_split': _str,
          'test_split': _str, 'train_range': _opt_str, 'test_range': _opt_str,
          'input_template': lambda v: True, 'output_template': lambda v: True}
INFER_CFG = ('prompt_template', 'ice_template', 'retriever', 'inferencer')
EVAL_CFG = ('evaluator', 'pred_postprocessor', 'dataset_postprocessor', 'pred_role',
            'ds_split', 'ds_column', 'model_postprocessor', 'sc_size', 'analyze_contamination')
INFERENCER = {'max_out_len': POS_INT, 'batch_size': POS_INT, 'max_seq_len': POS_INT,
              'stopping_criteria': _str_list}
RETRIEVER = {'ice_num': NONNEG_INT, 'fix_id_list': _int_list}
RUNNER = {'max_num_workers': POS_INT, 'retry': NONNEG_INT, 'max_workers_per_gpu': POS_INT}
PARTITIONER = {'max_task_size': POS_INT, 'gen_task_coef': POS_INT, 'n': POS_INT}
# real keys of OpenCompass model/dataset configs that look like typos of known ones
LEGIT = frozenset({'min_out_len', 'max_batch_size', 'peft_path', 'peft_kwargs', 'batch_padding',
                   'pad_token_id', 'end_str', 'mode', 'name', 'data_files', 'split',
                   'max_workers'})  # max_workers: requests in flight of an API model
TOP = ('models', 'datasets', 'infer', 'eval', 'summarizer', 'work_dir', 'summary_groups')
REQUIRED_TOP = ('models', 'datasets')
DATASET_KEYS = ('abbr', 'type', 'path', 'reader_cfg', 'infer_cfg', 'eval_cfg')


def _values(add: Add, cfg: Any, spec: dict[str, Check], where: str) -> None:
    if not isinstance(cfg, dict):
        return
    for key, check in spec.items():
        if key in cfg and not check(cfg[key]):
            value = cfg[key]
            add(f'{where}.{key}: expected {EXPECTED.get(check, "another value")}, got '
                f'{scrub(repr(value))[:60]} ({type(value).__name__})')


def _known(add: Add, cfg: Any, known: tuple[str, ...] | dict[str, Any], where: str, what: str) -> None:
    """Unknown keys are errors where the set of keys is closed (reader_cfg, infer_cfg, ...)."""
    if not isinstance(cfg, dict):
        return
    for key in cfg:
        if key not in known:
            add(f'{where}: unknown key `{key}`{did_you_mean(key, known)} ({what} takes: '
                f"{', '.join(known)})")


def _typos(add: Add, cfg: Any, known: tuple[str, ...] | dict[str, Any], where: str) -> None:
    """Where any key is allowed (loader or model arguments), flag near-misses of known keys."""
    if not isinstance(cfg, dict):
        return
    for key in cfg:
        if key in known or key in LEGIT:
            continue
        close = difflib.get_close_matches(key, [k for k in known if k not in cfg], n=1,
                                          cutoff=0.8)
        if close:
            add(f"{where}: unknown key `{key}`; did you mean `{close[0]}`?")


def did_you_mean(key: str, known: Any) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f'; did you mean `{close[0]}`?' if close else ''


def check_values(add: Add, cfg: dict[str, Any]) -> None:
    """Add a problem for every wrong value type, unknown key or senseless setting."""
    for key in cfg:  # configs define helper variables: flag only near-misses of a missing
        if key not in TOP:  # required name (`model = [...]` instead of `models`)
            close = difflib.get_close_matches(key, [k for k in REQUIRED_TOP if k not in cfg],
                                              n=1, cutoff=0.75)
            if close:
                add(f'{key}: unknown top-level name; did you mean `{close[0]}`?')
    for i, m in enumerate(cfg.get('models') or []):
        if not isinstance(m, dict):
            continue  # reported by validation
        where = f"models[{m.get('abbr', i)}]"
        _values(add, m, MODEL, where)
        _typos(add, m, MODEL, where)
        _values(add, m.get('run_cfg'), RUN_CFG, f'{where}.run_cfg')
    for d in cfg.get('datasets') or []:
        if isinstance(d, dict):
            _check_dataset(add, d, f'datasets[{dataset_abbr(d)}]')
    for stage in ('infer', 'eval'):
        _check_stage(add, cfg.get(stage), stage)


def _check_dataset(add: Add, d: dict[str, Any], where: str) -> None:
    if 'abbr' in d and not (isinstance(d['abbr'], str) and d['abbr']):
        add(f"{where}.abbr: expected a non-empty string, got {d['abbr']!r:.60}")
    _typos(add, d, DATASET_KEYS, where)
    reader = d.get('reader_cfg')
    _values(add, reader, READER, f'{where}.reader_cfg')
    _known(add, reader, tuple(READER), f'{where}.reader_cfg', 'reader_cfg')
    infer = d.get('infer_cfg')
    _known(add, infer, INFER_CFG, f'{where}.infer_cfg', 'infer_cfg')
    if isinstance(infer, dict):
        _values(add, infer.get('inferencer'), INFERENCER, f'{where}.infer_cfg.inferencer')
        _values(add, infer.get('retriever'), RETRIEVER, f'{where}.infer_cfg.retriever')
    _typos(add, d.get('eval_cfg'), EVAL_CFG, f'{where}.eval_cfg')
    if 'eval_cfg' in d and not isinstance(d['eval_cfg'], dict):
        add(f"{where}.eval_cfg: expected a dict, got {type(d['eval_cfg']).__name__}")


def _check_stage(add: Add, section: Any, stage: str) -> None:
    if not isinstance(section, dict):
        return
    _known(add, section, ('partitioner', 'runner'), stage, stage)
    runner = section.get('runner')
    _values(add, runner, RUNNER, f'{stage}.runner')
    part = section.get('partitioner')
    _values(add, part, PARTITIONER, f'{stage}.partitioner')
    if not isinstance(part, dict):
        return
    kind = str(part.get('type', '')).rsplit('.', 1)[-1]
    if kind == 'SizePartitioner':
        size, coef = part.get('max_task_size', 40000), part.get('gen_task_coef', 20)
        if POS_INT(size) and POS_INT(coef) and size < coef:
            add(f'{stage}.partitioner.max_task_size: {size} is below gen_task_coef ({coef}), '
                'so every generation sample would become a task of its own; raise '
                'max_task_size or use NaivePartitioner')
        if part.get('strategy', 'heuristic') not in ('heuristic', 'split'):
            add(f"{stage}.partitioner.strategy: 'heuristic' or 'split', got "
                f"{part.get('strategy')!r}")
