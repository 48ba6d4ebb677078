"""Tasks: the unit a runner executes. ``python -m opencompass.tasks TASK_FILE`` runs one."""
from ..utils.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    'BaseTask': '.base',
    'OpenICLInferTask': '.openicl_infer',
    'OpenICLEvalTask': '.openicl_eval',
})
