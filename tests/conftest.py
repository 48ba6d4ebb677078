"""Shared fixtures: a tiny real model built once, small datasets, a CLI runner.

Tests that need an outside service carry its marker (``slurm``, ``browser``, ``sandbox``,
``vllm``); a missing service fails them with a line saying how to get it, or skips them
with ``OC_ALLOW_SKIP=1`` (tests/services.py).
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from helpers import write_datasets  # noqa: E402
from services import SERVICES, missing, why_unavailable  # noqa: E402
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
    """The real one-node cluster (../shared/slurm). A test using it is marked ``slurm``:
    with no cluster reachable it fails, or skips with ``OC_ALLOW_SKIP=1``."""
    from slurm_cluster import find_cluster
    cluster, why = find_cluster()
    if cluster is None:
        missing('slurm', why)
    monkeypatch.setenv('SLURM_CONF', cluster.conf)
    before = {job[0] for job in cluster.squeue('oc-')}
    yield cluster
    # a failed test may leave its jobs holding the node's 2 CPUs: every later Slurm test would
    # then wait behind them and fail too (seen once: one failure became three)
    for job_id, _, _ in cluster.squeue('oc-'):
        if job_id not in before:
            subprocess.run(['scancel', job_id], timeout=30, check=False)


# markers given by module here, so the files (rewritten on other branches) stay untouched
MODULE_MARKS = {'test_humaneval.py': ['sandbox'], 'test_humaneval_sandbox.py': ['sandbox']}


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker
def pytest_collection_modifyitems(config, items):
    """Markers from what a test uses: the ``slurm`` / ``sandbox`` fixtures -> ``slurm`` /
    ``sandbox``; the tiny model (a real model load, usually a whole ``run.py``) -> ``slow``;
    MODULE_MARKS."""
    for item in items:
        names = getattr(item, 'fixturenames', ())
        for service in ('slurm', 'sandbox'):
            if service in names:
                item.add_marker(getattr(pytest.mark, service))
        if 'tiny_model' in names:
            item.add_marker(pytest.mark.slow)
        for marker in MODULE_MARKS.get(os.path.basename(str(item.fspath)), []):
            item.add_marker(getattr(pytest.mark, marker))


@pytest.hookimpl(trylast=True)  # after -m deselected: count the Slurm tests that will run
def pytest_collection_finish(session):
    _SLURM_TESTS.update(i.nodeid for i in session.items if i.get_closest_marker('slurm'))


def pytest_runtest_setup(item):
    """A test marked with a service's marker fails (or skips) up front when it is missing."""
    for marker in SERVICES:
        if item.get_closest_marker(marker) is not None:
            why = why_unavailable(marker)
            if why:
                missing(marker, why)


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
