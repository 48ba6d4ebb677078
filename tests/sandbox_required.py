"""Tests that run generated code need a working bubblewrap sandbox.

Outside CI they skip with the reason when there is none; with ``OC_REQUIRE_BWRAP=1``
(``.ci/run``) they fail instead.
"""
from __future__ import annotations

import os

import pytest

from opencompass.utils.sandbox import isolation


def require_sandbox() -> None:
    reason = isolation()
    if reason is None:
        return
    if os.environ.get('OC_REQUIRE_BWRAP') == '1':
        pytest.fail(f'OC_REQUIRE_BWRAP=1 but no bubblewrap sandbox works here: {reason}')
    pytest.skip(f'no bubblewrap sandbox here: {reason}')


@pytest.fixture
def sandbox() -> None:
    require_sandbox()
