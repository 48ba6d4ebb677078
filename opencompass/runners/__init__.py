"""Runners execute tasks: locally in worker processes, or as Slurm jobs."""
from ..utils.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    'BaseRunner': '.base',
    'TaskStatus': '.base',
    'LocalRunner': '.local',
    'SlurmRunner': '.slurm',
    'SlurmSequentialRunner': '.slurm',
})
