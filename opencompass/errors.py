"""Exceptions whose message is written for the person running the tool.

Anything raised as an :class:`OpenCompassError` is a *user* error: the CLI prints
its message on one line (no traceback) and exits non-zero. Any other exception is
a bug: its traceback goes to the run log and the terminal gets a pointer there.
"""
from __future__ import annotations


class OpenCompassError(Exception):
    """Base class of errors caused by input the user can fix."""

    exit_code = 1


class ConfigError(OpenCompassError):
    """The config is malformed: unknown key or type, wrong value, missing field."""

    exit_code = 2

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        if len(self.problems) == 1:
            msg = self.problems[0]
        else:
            msg = f'{len(self.problems)} problems in the config:\n' + '\n'.join(
                f'  - {p}' for p in self.problems)
        super().__init__(msg)


class DatasetError(OpenCompassError):
    """A dataset file is missing, unreadable or has rows of the wrong shape."""


class ModelError(OpenCompassError):
    """A model cannot be loaded or cannot do what a task asks of it."""


class RunDirError(OpenCompassError):
    """The work directory or the run to reuse is missing or busy."""


class TaskError(OpenCompassError):
    """A task cannot run with its inputs (e.g. predictions missing for evaluation)."""


class RunnerError(OpenCompassError):
    """The runner cannot launch tasks at all (e.g. Slurm unreachable)."""
