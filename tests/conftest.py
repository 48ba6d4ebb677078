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


# -- Slurm ---------------------------------------------------------------------------------
_SLURM_TESTS: set[str] = set()
_SLURM_OUTCOMES: dict[str, str] = {}


@pytest.fixture
def slurm(monkeypatch):
    """The real one-node cluster (../shared/slurm). Skips when none is reachable, except in
    CI (``CI=true`` or ``OC_REQUIRE_SLURM=1``, set by .ci/run), where that is a failure."""
    from slurm_cluster import find_cluster
    cluster, why = find_cluster()
    if cluster is None:
        if os.environ.get('CI', '').lower() in ('1', 'true', 'yes') or \
                os.environ.get('OC_REQUIRE_SLURM') == '1':
            pytest.fail(f'CI must run the Slurm tests but {why}')
        pytest.skip(why)
    monkeypatch.setenv('SLURM_CONF', cluster.conf)
    return cluster


def pytest_collection_modifyitems(config, items):
    _SLURM_TESTS.update(i.nodeid for i in items if 'slurm' in getattr(i, 'fixturenames', ()))


def pytest_runtest_logreport(report):
    if report.nodeid in _SLURM_TESTS and (report.when == 'call' or report.outcome != 'passed'):
        _SLURM_OUTCOMES.setdefault(report.nodeid, report.outcome)


def pytest_terminal_summary(terminalreporter):
    if not _SLURM_TESTS:
        return
    counts = {k: sum(1 for v in _SLURM_OUTCOMES.values() if v == k)
              for k in ('passed', 'failed', 'skipped')}
    terminalreporter.write_line(
        f"Slurm tests against a real cluster: {counts['passed'] + counts['failed']} ran "
        f"({counts['passed']} passed, {counts['failed']} failed), {counts['skipped']} skipped, "
        f'of {len(_SLURM_TESTS)} collected')
