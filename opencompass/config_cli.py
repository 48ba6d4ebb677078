"""OpenCompass's config-less command line: ``--models``/``--datasets``/``--hf-path`` ...

``run.py --models hf_qwen2_5_7b_instruct --datasets gsm8k_gen mmlu_gen`` builds the run
config from config *names* (files found by :mod:`opencompass.utils.config_tree`);
``--hf-type/--hf-path`` describe one Hugging Face model without a config file. The flags
``--slurm``, ``--retry`` and ``--max-workers-per-gpu`` adjust the runners of any run.
Nothing here imports more than the standard library until a run is actually built.
"""
from __future__ import annotations

import argparse
import ast
import os
from typing import Any

from .errors import ConfigError

HF_FLAGS = ('hf_path', 'tokenizer_path', 'max_seq_len')


class KeyValueAction(argparse.Action):
    """``--model-kwargs a=1 b=text`` -> ``{'a': 1, 'b': 'text'}`` (values as Python literals
    where they parse as one, else strings)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        out = dict(getattr(namespace, self.dest) or {})
        for item in values or []:
            key, sep, raw = str(item).partition('=')
            if not sep or not key:
                parser.error(f'{option_string}: expected KEY=VALUE, got {item!r}')
            try:
                out[key] = ast.literal_eval(raw)
            except (ValueError, SyntaxError):
                out[key] = raw
        setattr(namespace, self.dest, out)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The OpenCompass flags this project supports (see docs/compatibility.md)."""
    p.add_argument('--models', nargs='+', metavar='NAME',
                   help='model config names (files under models/ of the config trees)')
    p.add_argument('--datasets', nargs='+', metavar='NAME',
                   help='dataset config names; NAME/SUFFIX takes the variables ending in SUFFIX')
    p.add_argument('--summarizer', metavar='NAME',
                   help='summarizer config name (default: example); NAME/KEY picks a variable')
    p.add_argument('--config-dir', default='configs', metavar='DIR',
                   help='searched first for --models/--datasets/--summarizer names '
                        '(default: ./configs)')
    p.add_argument('--list', nargs='?', const='', default=None, metavar='PATTERN',
                   help='print the model, dataset and summarizer config names containing '
                        'PATTERN, and exit')
    p.add_argument('--slurm', action='store_true',
                   help='run every task with SlurmRunner (needs -p), whatever the config says')
    p.add_argument('--retry', type=int, default=None, metavar='N',
                   help='attempts after a task crashes (overrides the runners)')
    p.add_argument('--max-workers-per-gpu', type=int, default=None, metavar='N',
                   help='LocalRunner: tasks sharing one GPU (overrides the config)')
    p.add_argument('--dump-eval-details', nargs='?', const='true', default='true',
                   metavar='BOOL', help='accepted for OpenCompass; changes nothing: per-sample '
                   'details are always written (results/MODEL/DATASET.json, "details")')
    hf = p.add_argument_group('a Hugging Face model without a config (with --datasets)')
    hf.add_argument('--hf-type', choices=['base', 'chat'], default='chat',
                    help='chat: HuggingFacewithChatTemplate (default); base: plain prompts')
    hf.add_argument('--hf-path', metavar='PATH', help='model directory or hub id')
    hf.add_argument('--tokenizer-path', metavar='PATH', help='tokenizer (default: --hf-path)')
    for flag, what in (('--model-kwargs', 'from_pretrained'), ('--tokenizer-kwargs', 'tokenizer'),
                       ('--generation-kwargs', 'generate()')):
        hf.add_argument(flag, nargs='+', action=KeyValueAction, default={}, metavar='K=V',
                        help=f'{what} keyword arguments')
    hf.add_argument('--max-seq-len', type=int, metavar='N', help='context length of the model')
    hf.add_argument('--max-out-len', type=int, default=256, metavar='N',
                    help='tokens generated at most (default 256)')
    hf.add_argument('--batch-size', type=int, default=8, metavar='N', help='default 8')
    hf.add_argument('--num-gpus', '--hf-num-gpus', dest='num_gpus', type=int, default=1,
                    metavar='N', help='GPUs for the model (default 1; 0 runs on CPU)')


def list_command(args: argparse.Namespace) -> int:
    """``--list PATTERN``: the config names found, by kind, with their files."""
    from .utils.config_tree import list_configs
    found = list_configs(args.list or '', _config_dirs(args))
    for kind, names in found.items():
        if not names:
            continue
        print(f'{kind}:')
        width = max(len(n) for n in names)
        for name, path in names.items():
            print(f'  {name:<{width}}  {path}')
    if not any(found.values()):
        print(f'no config name contains {args.list!r}')
        return 1
    return 0


def _config_dirs(args: argparse.Namespace) -> list[str]:
    d = getattr(args, 'config_dir', None)
    return [d] if d and os.path.isdir(d) else []


def load_run_config(args: argparse.Namespace) -> dict[str, Any]:
    """The run config: the config file given, or one built from names and ``--hf-*``."""
    from .config import load_config
    named = [f for f in ('models', 'datasets', 'summarizer') if getattr(args, f, None)]
    if args.config:
        if named or getattr(args, 'hf_path', None):
            flags = ', '.join(f'--{f}' for f in named) or '--hf-path'
            raise ConfigError(f'{flags}: give either a config file or names, not both')
        return load_config(args.config)
    if not getattr(args, 'datasets', None):
        raise ConfigError('give a config file, or --datasets NAME ... with --models NAME ... '
                          'or --hf-path PATH (see --list PATTERN for names)')
    if not getattr(args, 'models', None) and not getattr(args, 'hf_path', None):
        raise ConfigError('--datasets needs --models NAME ... or --hf-path PATH')
    dirs = _config_dirs(args)
    cfg: dict[str, Any] = {'datasets': _named_datasets(args.datasets, dirs)}
    cfg['models'] = (_named_models(args.models, dirs) if args.models else [_hf_model(args)])
    summarizer = args.summarizer or 'example'
    name, _, key = summarizer.partition('/')
    values = _load_named('summarizers', name, dirs)
    if (key or 'summarizer') not in values:
        raise ConfigError(f"--summarizer {summarizer}: the config defines no '{key or 'summarizer'}'")
    cfg['summarizer'] = values[key or 'summarizer']
    return cfg


def _load_named(kind: str, name: str, dirs: list[str]) -> dict[str, Any]:
    from .config import load_config
    from .utils.config_tree import find_config
    from .utils.logging import get_logger
    path = find_config(kind, name, dirs)
    get_logger().info('%s: %s', name, path)
    return load_config(path)


def _named_datasets(names: list[str], dirs: list[str]) -> list[dict[str, Any]]:
    datasets: list[dict[str, Any]] = []
    for arg in names:
        is_file = arg.endswith('.py') and os.path.isfile(arg)
        name, _, suffix = (arg, '', '') if is_file else arg.partition('/')
        values = _load_named('datasets', name, dirs)
        picked = [v for k, v in values.items() if k.endswith(suffix or '_datasets')]
        if not picked:
            raise ConfigError(f"--datasets {arg}: the config defines no variable ending in "
                              f"'{suffix or '_datasets'}'")
        for value in picked:
            datasets += value if isinstance(value, list) else [value]
    return datasets


def _named_models(names: list[str], dirs: list[str]) -> list[dict[str, Any]]:
    models: list[dict[str, Any]] = []
    for name in names:
        values = _load_named('models', name, dirs)
        if not isinstance(values.get('models'), list):
            raise ConfigError(f'--models {name}: the config defines no list `models`')
        models += values['models']
    return models


def _hf_model(args: argparse.Namespace) -> dict[str, Any]:
    """The model ``--hf-type/--hf-path/...`` describe (OpenCompass's defaults)."""
    if args.hf_type == 'chat':
        kind = 'opencompass.models.HuggingFacewithChatTemplate'
    else:
        import opencompass.models as m
        base = 'HuggingFaceBaseModel' if 'HuggingFaceBaseModel' in m.__all__ else 'HuggingFaceCausalLM'
        kind = f'opencompass.models.{base}'
    path = str(args.hf_path).rstrip('/')
    model: dict[str, Any] = dict(
        type=kind, abbr=os.path.basename(path) + '_hf', path=path,
        max_out_len=args.max_out_len, batch_size=args.batch_size,
        run_cfg=dict(num_gpus=args.num_gpus))
    for key in ('tokenizer_path', 'max_seq_len', 'model_kwargs', 'tokenizer_kwargs',
                'generation_kwargs'):
        value = getattr(args, key, None)
        if value:
            model[key] = value
    return model


def apply_runner_flags(cfg: dict[str, Any], args: argparse.Namespace) -> None:
    """``--slurm``, ``--retry`` and ``--max-workers-per-gpu`` on the infer/eval runners."""
    if getattr(args, 'slurm', False) and not getattr(args, 'partition', None):
        raise ConfigError('--slurm needs -p PARTITION')
    for stage in ('infer', 'eval'):
        runner = cfg[stage]['runner']
        if getattr(args, 'slurm', False) and 'Slurm' not in str(runner.get('type')):
            runner = {k: v for k, v in runner.items()
                      if k in ('task', 'max_num_workers', 'retry', 'debug')}
            runner['type'] = 'SlurmRunner'
        if getattr(args, 'retry', None) is not None:
            runner['retry'] = args.retry
        if getattr(args, 'max_workers_per_gpu', None) and 'Local' in str(runner.get('type')):
            runner['max_workers_per_gpu'] = args.max_workers_per_gpu
        cfg[stage]['runner'] = runner
