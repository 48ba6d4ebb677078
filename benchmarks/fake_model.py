"""Instant models and tasks for benchmarks that measure orchestration only.

Configs name them by import path (``benchmarks/`` is on ``PYTHONPATH`` in the
benchmarks), so they need no registration and load no weights.
"""
from __future__ import annotations

import os
import time
from typing import Any

from opencompass.models.base import BaseModel
from opencompass.tasks.base import BaseTask


class ConstantModel(BaseModel):
    """Answers ``'0'`` to every prompt and scores every text the same."""

    def generate(self, inputs: list[Any], max_out_len: int,
                 stop_words: list[str] | None = None) -> list[str]:
        return ['0' for _ in inputs]

    def get_ppl(self, inputs: list[str]) -> list[float]:
        return [float(len(t) % 7) for t in inputs]


class SleepTask(BaseTask):
    """A task of known cost that loads nothing: sleeps, then writes ``out/SLUG.done``.

    The cost is ``cfg['seconds']`` when given, else ``part[1] - part[0]`` milliseconds per
    dataset entry.
    """

    stage = 'infer'
    output_kind = 'predictions'

    def seconds(self) -> float:
        if 'seconds' in self.cfg:
            return float(self.cfg['seconds'])
        return sum((d['part'][1] - d['part'][0]) / 1000 for ds in self.dataset_cfgs for d in ds)

    def output_paths(self) -> list[str]:
        return [os.path.join(self.work_dir, 'out', f'{self.slug}.done')]

    def is_done(self) -> bool:
        return os.path.exists(self.output_paths()[0])

    def run(self) -> None:
        time.sleep(self.seconds())
        os.makedirs(os.path.dirname(self.output_paths()[0]), exist_ok=True)
        open(self.output_paths()[0], 'w').close()


class DoneSleepTask(BaseTask):
    """Sleeps ``cfg['seconds']``, then writes its one output file (Slurm overhead benchmark).

    Runs from its task file like a real task (``python -m opencompass.tasks``), so it can
    share a Slurm job with other parts (``benchmarks/`` must be on ``PYTHONPATH``)."""

    stage = 'infer'

    def output_paths(self) -> list[str]:
        import os
        return [os.path.join(self.work_dir, 'out', f'{self.slug}.done')]

    def is_done(self) -> bool:
        import os
        return os.path.exists(self.output_paths()[0])

    def run(self) -> None:
        import os
        time.sleep(float(self.cfg['seconds']))
        out = self.output_paths()[0]
        os.makedirs(os.path.dirname(out), exist_ok=True)
        open(out, 'w').close()
