"""Load a run config (mmengine Python config), fill defaults, check it, dump it.

The loaded config is *plain*: classes and functions become dotted import paths,
so it can be written to task files and hashed into fingerprints.
"""
from __future__ import annotations

import os
import pprint
from typing import Any

from .errors import ConfigError, OpenCompassError
from .utils.serialize import redact, to_plain


def load_config(path: str) -> dict[str, Any]:
    """Read a config file with mmengine; user mistakes become one-line ConfigErrors."""
    if not os.path.isfile(path):
        raise ConfigError(f"config file not found: '{path}'")
    try:
        from .utils.pyconfig import plain_python_values
        values = plain_python_values(path)  # None: `_base_` style, mmengine must read it
        if values is None:
            from mmengine.config import Config
            cfg = Config.fromfile(path, format_python_code=False)
            values = {k: cfg[k] for k in cfg.keys()}
        plain = {k: to_plain(v) for k, v in values.items() if not _is_imported_name(v)}
    except OpenCompassError:
        raise
    except SyntaxError as e:
        raise ConfigError(f'{path}:{e.lineno}: syntax error: {e.msg}') from e
    except (ImportError, AttributeError) as e:
        from .utils.pyconfig import unsupported_name
        unsupported = unsupported_name(e)
        if unsupported:
            raise ConfigError(f'{path}{_config_line(e, path)}: {unsupported}') from e
        raise ConfigError(f'{path}: cannot import what the config names: {e}') from e
    except Exception as e:  # noqa: BLE001 - mmengine wraps many user mistakes
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        line = _config_line(e, path)
        if line and isinstance(e, RuntimeError) and not str(e).strip():
            first = ('calls a function of an imported module, which mmengine does not allow '
                     'in a config that imports packages or uses read_base(); compute the value '
                     'outside the config or write it literally')
        raise ConfigError(f'{path}{line}: cannot read the config: {first}') from e
    return {k: v for k, v in plain.items() if not k.startswith('_')}


def _is_imported_name(value: Any) -> bool:
    """True for top-level names a config merely imported (classes, functions, modules)."""
    import types
    return isinstance(value, (type, types.FunctionType, types.ModuleType))


def _config_line(exc: BaseException, path: str) -> str:
    """``':LINE'`` of the innermost traceback frame inside the config file, or ''."""
    import traceback
    target = os.path.basename(path)
    found = ''
    for frame in traceback.extract_tb(exc.__traceback__):
        if os.path.basename(frame.filename) == target:
            found = f':{frame.lineno}'
    return found


def fill_defaults(cfg: dict[str, Any], slurm: bool) -> dict[str, Any]:
    """Default ``infer``/``eval``/``summarizer`` sections (OpenCompass's defaults)."""
    runner = 'SlurmRunner' if slurm else 'LocalRunner'
    infer = dict(cfg.get('infer') or {})
    infer.setdefault('partitioner', {'type': 'SizePartitioner', 'max_task_size': 40000,
                                     'gen_task_coef': 20})
    infer.setdefault('runner', {'type': runner, 'max_num_workers': 32})
    infer['runner'] = dict(infer['runner'])
    infer['runner'].setdefault('task', {'type': 'OpenICLInferTask'})
    ev = dict(cfg.get('eval') or {})
    ev.setdefault('partitioner', {'type': 'NaivePartitioner'})
    ev.setdefault('runner', {'type': runner, 'max_num_workers': 32})
    ev['runner'] = dict(ev['runner'])
    ev['runner'].setdefault('task', {'type': 'OpenICLEvalTask'})
    cfg['infer'], cfg['eval'] = infer, ev
    if cfg.get('model_dataset_combinations'):
        _normalize_combinations(cfg)
    cfg.setdefault('summarizer', {'type': 'DefaultSummarizer'})
    if isinstance(cfg['summarizer'], dict):  # OpenCompass allows dict(summary_groups=...)
        cfg['summarizer'] = {'type': 'DefaultSummarizer', **cfg['summarizer']}
    return cfg


def _normalize_combinations(cfg: dict[str, Any]) -> None:
    """``model_dataset_combinations`` as abbr lists; the models and datasets it names join
    ``models``/``datasets`` when missing there (OpenCompass plans only these pairs)."""
    from .utils.abbr import dataset_abbr, model_abbr
    combos = cfg['model_dataset_combinations']
    if not isinstance(combos, list) or not all(
            isinstance(c, dict) and isinstance(c.get('models'), list)
            and isinstance(c.get('datasets'), list) for c in combos):
        raise ConfigError('model_dataset_combinations: a list of dict(models=[...], '
                          'datasets=[...])')
    cfg.setdefault('models', [])
    cfg.setdefault('datasets', [])
    out = []
    for combo in combos:
        pair: dict[str, list[str]] = {}
        for key, abbr_of in (('models', model_abbr), ('datasets', dataset_abbr)):
            known = {abbr_of(x) for x in cfg[key] if isinstance(x, dict)}
            names = []
            for item in combo[key]:
                if isinstance(item, dict):
                    if abbr_of(item) not in known:
                        cfg[key].append(item)
                        known.add(abbr_of(item))
                    names.append(abbr_of(item))
                else:
                    names.append(str(item))
            pair[key] = names
        out.append(pair)
    cfg['model_dataset_combinations'] = out


def dump_config(cfg: dict[str, Any], path: str) -> None:
    """Write the effective config as a loadable Python file, secrets redacted."""
    from .utils.fileio import atomic_write_text
    lines = ['# The effective config of this run (secrets redacted).']
    for key, value in redact(cfg).items():
        lines.append(f'{key} = {pprint.pformat(value, width=100, sort_dicts=False)}')
    atomic_write_text(path, '\n'.join(lines) + '\n')
