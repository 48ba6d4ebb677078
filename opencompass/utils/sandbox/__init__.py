"""Running model-generated code: confined by the kernel, judged by the trusted side.

``bwrap`` builds the bubblewrap command, ``limits`` holds the resource limits, ``boot``
is the code inside the sandbox, ``protocol`` the plain-data wire format, ``runner``
one sandboxed program, ``check`` a test's verdict computed outside it and ``policy``
the secure-by-default rule. See docs/security.md, "Generated code".
"""
from __future__ import annotations

from .check import CheckResult, check_function
from .limits import SandboxLimits
from .policy import SandboxUnavailableError, isolation, preflight, require
from .runner import SampleFailure, Sandbox

__all__ = ['CheckResult', 'Sandbox', 'SampleFailure', 'SandboxLimits', 'SandboxUnavailableError',
           'check_function', 'isolation', 'preflight', 'require']
