"""A test's verdict computed outside the sandbox: the test runs here, the function there.

``check_function`` loads the generated program in a :class:`~.runner.Sandbox` and runs
the problem's own test (HumanEval's ``check(candidate)``, trusted dataset code) in the
evaluator, with ``candidate`` a stand-in that forwards each call to the sandbox and
returns the decoded plain-data result. The assertions therefore compare values the
evaluator built itself; nothing the program does inside its sandbox (printing, exiting,
writing to any descriptor, walking frames) can reach the verdict except returning the
right values.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .limits import SandboxLimits
from .runner import SampleFailure, Sandbox


@dataclass
class CheckResult:
    """``status``: passed, failed, timeout, output_limit, reply_limit, crashed or error."""

    status: str
    reason: str = ''
    output: str = ''

    @property
    def passed(self) -> bool:
        return self.status == 'passed'


class _Candidate:
    """What the test calls: forwards to the sandbox, returns plain data only."""

    def __init__(self, box: Sandbox, name: str):
        self._box = box
        self.__name__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._box.call(*args, **kwargs)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f'{type(exc).__name__}: {text}'[:300] if text else type(exc).__name__


def check_function(program: str, entry_point: str, setup: str, test: str,
                   limits: SandboxLimits | None = None, confined: bool = True,
                   check_name: str = 'check') -> CheckResult:
    """Run ``test`` (after ``setup``, e.g. the prompt's helpers) here against ``program`` there."""
    namespace: dict[str, Any] = {'__name__': '__check__'}
    try:
        exec(compile(setup, 'prompt.py', 'exec'), namespace)  # trusted: the dataset's own code
        exec(compile(test, 'test.py', 'exec'), namespace)
        check = namespace[check_name]
    except Exception as e:  # noqa: BLE001 - the problem's fault, reported as such
        return CheckResult('error', f'the problem\'s test does not run: {_describe(e)}')
    with Sandbox(program, entry_point, limits, confined) as box:
        try:
            box.start()
            candidate = _Candidate(box, entry_point)
            namespace[entry_point] = candidate
            check(candidate)
        except SampleFailure as e:
            return CheckResult(e.status, e.reason, box.output)
        except Exception as e:  # noqa: BLE001 - a failed assertion or a wrong-typed value
            return CheckResult('failed', _describe(e), box.output)
        return CheckResult('passed', '', box.output)
