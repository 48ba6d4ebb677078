"""Shared fixtures: a tiny real model built once, small datasets, a CLI runner."""
from __future__ import annotations

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from helpers import write_datasets  # noqa: E402
from tiny_model import build_tiny_model  # noqa: E402


@pytest.fixture(scope='session')
def tiny_model() -> str:
    """Directory of a 2-layer Llama + tokenizer (cached in .cache/ across sessions)."""
    cache = os.environ.get('OC_TEST_CACHE', os.path.join(ROOT, '.cache'))
    os.makedirs(cache, exist_ok=True)
    target = os.path.join(cache, 'tiny-llama-v1')
    try:
        return build_tiny_model(target)
    except OSError:
        if os.path.exists(os.path.join(target, 'config.json')):
            return target  # another process built it at the same time
        raise


@pytest.fixture
def data_dir(tmp_path) -> str:
    path = tmp_path / 'data'
    path.mkdir()
    write_datasets(str(path))
    return str(path)
