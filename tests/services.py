"""External services some tests need, and what happens when one is missing.

Each pytest marker below names a service (see ``[tool.pytest.ini_options]`` in
pyproject.toml). A test carrying the marker needs the service; when it is missing
the test FAILS, as in CI, with a line saying which service and how to get it.
``OC_ALLOW_SKIP=1`` turns those failures into skips, for machines without the
services (``make test-fast`` leaves most of these tests out anyway). ``CI=true`` or
``OC_REQUIRE_<SERVICE>=1`` (set by .ci/run) always require the service.
"""
from __future__ import annotations

import functools
import os
import shutil
from dataclasses import dataclass

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True)
class Service:
    """A service named by a marker: a readable name and how to install or start it."""

    marker: str
    name: str
    how: str


SERVICES = {s.marker: s for s in [
    Service('slurm', 'a Slurm cluster',
            'start one with ../shared/slurm/start-slurm.sh and export '
            'SLURM_CONF=/tmp/slurm-ci/etc/slurm.conf (.ci/run does both; Debian packages '
            'slurmctld slurmd slurm-client munge)'),
    Service('browser', 'chromium', 'apt-get install chromium fonts-dejavu-core'),
    Service('sandbox', 'bubblewrap (bwrap)', 'apt-get install bubblewrap'),
    Service('vllm', 'the vLLM venv (.venv-vllm)', 'make setup-vllm, or point OC_VLLM_PYTHON '
            'at a Python with vllm installed'),
]}


def _truthy(name: str) -> bool:
    return os.environ.get(name, '').lower() in ('1', 'true', 'yes')


def may_skip(marker: str) -> bool:
    """True when a missing ``marker`` service may skip its tests instead of failing them."""
    if _truthy('CI') or _truthy(f'OC_REQUIRE_{marker.upper()}'):
        return False
    aliases = {'browser': 'OC_REQUIRE_CHROMIUM', 'sandbox': 'OC_REQUIRE_BWRAP'}
    if marker in aliases and _truthy(aliases[marker]):
        return False
    return _truthy('OC_ALLOW_SKIP')


def missing(marker: str, why: str) -> None:
    """Fail (or, with ``OC_ALLOW_SKIP=1``, skip) the current test: ``marker``'s service is absent."""
    service = SERVICES[marker]
    if may_skip(marker):
        pytest.skip(f'{service.name} is not available ({why}); to get it: {service.how}')
    pytest.fail(f'this test needs {service.name}, which is not available ({why}); to get it: '
                f'{service.how}. Without it, run `make test-fast`, or set OC_ALLOW_SKIP=1 to '
                'skip such tests.', pytrace=False)


def chromium_path() -> str | None:
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        path = shutil.which(name)
        if path:
            return path
    return None


def vllm_python() -> str | None:
    path = os.environ.get('OC_VLLM_PYTHON') or os.path.join(ROOT, '.venv-vllm', 'bin', 'python')
    return path if os.access(path, os.X_OK) else None


@functools.cache
def why_unavailable(marker: str) -> str | None:
    """``None`` when ``marker``'s service is there, else the reason it is not."""
    if marker == 'slurm':
        from slurm_cluster import find_cluster
        return find_cluster()[1] or None
    if marker == 'browser':
        return None if chromium_path() else 'no chromium, chromium-browser or google-chrome on PATH'
    if marker == 'sandbox':
        return None if shutil.which('bwrap') else 'bwrap is not on PATH'
    if marker == 'vllm':
        return None if vllm_python() else 'no .venv-vllm/bin/python and OC_VLLM_PYTHON is not set'
    raise KeyError(marker)
