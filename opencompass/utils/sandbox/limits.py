"""Resource limits of one sandboxed program."""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one sample; a sample over any of them fails, costing only itself.

    ``timeout`` is wall-clock seconds for the whole sample (loading it and every call).
    ``memory_mb``, ``max_file_mb``, ``max_processes`` and ``max_open_files`` are kernel
    rlimits set inside the sandbox (soft == hard, so the program cannot raise them);
    ``max_processes`` counts processes in the sandbox's own user namespace. ``tmp_mb`` is
    the size of its private ``/tmp``. ``max_output`` caps what it prints, ``max_reply``
    one return value and ``max_replies`` all of them together (bytes read, never more).
    """

    timeout: float = 10.0
    memory_mb: int = 1024
    max_file_mb: int = 16
    max_processes: int = 16
    max_open_files: int = 64
    tmp_mb: int = 64
    max_output: int = 1 << 20
    max_reply: int = 1 << 20
    max_replies: int = 16 << 20
    max_calls: int = 100_000

    def rlimits(self) -> dict[str, int]:
        """The rlimits the program runs under, by the names ``boot.py`` knows."""
        return {'as': int(self.memory_mb) << 20, 'cpu': max(1, math.ceil(self.timeout)) + 1,
                'fsize': int(self.max_file_mb) << 20, 'nproc': int(self.max_processes),
                'nofile': int(self.max_open_files), 'core': 0}
