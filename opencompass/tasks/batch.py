"""Inside a Slurm job: run several parts of one model, the model loaded once.

``python -m opencompass.tasks --batch LIST_FILE`` runs the parts listed in ``LIST_FILE``
(written by ``runners/slurm_batch.py``) one after the other in one long-lived worker
(``python -m opencompass.tasks --worker``, the same one ``LocalRunner`` uses), which keeps
the model it loaded. Every part keeps what a one-part job gives it: its own log (with its
``===== attempt`` header, written when the part starts), its own exit status; a part that
crashes takes its worker down with it, and the next part gets a fresh worker.

Progress goes to the list's ``results`` file, one JSON line per event, so the runner knows
which parts finished even if the job is then cancelled, preempted or lost:
``{"task_file": F, "started": true}`` then ``{"task_file": F, "code": N}``.
"""
from __future__ import annotations

import json
import os
from typing import IO, Any


def _note(out: IO[str], **event: Any) -> None:
    out.write(json.dumps(event) + '\n')
    out.flush()
    os.fsync(out.fileno())


def run_batch(list_file: str) -> int:
    """Run every part of ``list_file`` in order; 0 unless the list itself is unreadable."""
    from ..runners.worker import Worker
    with open(list_file, encoding='utf-8') as f:
        spec = json.load(f)
    env = dict(os.environ)
    env['OC_PARENT_PID'] = str(os.getpid())   # the worker dies with this process
    worker: Worker | None = None
    with open(spec['results'], 'a', encoding='utf-8') as out:
        for part in spec['parts']:
            with open(part['log'], 'a', encoding='utf-8') as log:
                log.write(part['header'])
            _note(out, task_file=part['task_file'], started=True)
            if worker is None or not worker.alive():
                worker = Worker(env)
            code = worker.run(part['task_file'], part['log'], lambda: None)
            _note(out, task_file=part['task_file'], code=code)
    if worker is not None:
        worker.close()
    return 0
