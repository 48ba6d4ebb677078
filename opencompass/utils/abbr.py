"""Names of models, datasets and tasks, and where their outputs live."""
from __future__ import annotations

import os
import re
from typing import Any


def model_abbr(cfg: dict[str, Any]) -> str:
    """``abbr`` if set, else derived from ``path`` (``org/name`` -> ``org_name``)."""
    if cfg.get('abbr'):
        return str(cfg['abbr'])
    path = str(cfg.get('path', 'model')).rstrip('/')
    parts = path.split('/')[-2:]
    return safe_name('_'.join(parts))


def dataset_abbr(cfg: dict[str, Any]) -> str:
    if cfg.get('abbr'):
        return str(cfg['abbr'])
    base = os.path.splitext(os.path.basename(str(cfg.get('path', 'dataset')).rstrip('/')))[0]
    if cfg.get('name'):
        base = f"{base}_{cfg['name']}"
    return safe_name(base)


def safe_name(text: str) -> str:
    """A name usable as a file name and a Slurm job name."""
    name = re.sub(r'[^A-Za-z0-9_.+-]', '_', text)
    return name if name.strip('.') and not name.startswith('.') else f'_{name}'


def output_path(root: str, model_cfg: dict[str, Any], dataset_cfg: dict[str, Any], ext: str = 'json') -> str:
    return os.path.join(root, model_abbr(model_cfg), f'{dataset_abbr(dataset_cfg)}.{ext}')


def task_name(model_cfgs: list[dict[str, Any]], dataset_cfgs: list[list[dict[str, Any]]]) -> str:
    """``model/ds1,ds2`` style name shown in progress and logs."""
    parts = []
    for m, ds in zip(model_cfgs, dataset_cfgs):
        parts.append(f"{model_abbr(m)}/{','.join(dataset_abbr(d) for d in ds)}")
    return ';'.join(parts)
