"""Benchmark 3, reuse: ``run.py CONFIG -r`` when all 100 tasks of the run are already done.

5 instant models (``fake_model.ConstantModel``) x 20 small datasets, one dataset
per task: 100 inference and 100 evaluation tasks. A first run does the work;
then ``-r`` must find everything fresh, redo nothing and re-summarize. Target:
under 1 s. Baselines measured in the same run: a bare Python start and the
first (full) run.

What ``-r`` redid is measured, not assumed: every task log, prediction and result
file is fingerprinted (mtime + content hash) before and after, and a task counts
as redone when its log changed. The check is then checked: one prediction file
is deleted and ``-r`` must redo exactly that inference task (its evaluation stays
fresh: the new predictions are identical, and evaluation fingerprints content).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics

from common import PY, RUN, Row, main_table, measured, median_time, only_run, scratch

CONFIG = '''\
from fake_model import ConstantModel
from opencompass.datasets import CustomDataset
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import ZeroRetriever
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.openicl.icl_evaluator import EMEvaluator
from opencompass.partitioners import NaivePartitioner
from opencompass.runners import LocalRunner

models = [dict(type=ConstantModel, abbr=f'm{{i}}', path='none', batch_size=8)
          for i in range({models})]
datasets = [dict(abbr=f'd{{j}}', type=CustomDataset, path=f'{data}/d{{j}}.jsonl',
                 reader_cfg=dict(input_columns=['question'], output_column='answer'),
                 infer_cfg=dict(prompt_template=dict(type=PromptTemplate,
                                                     template='Q: {{question}}\\nA:'),
                                retriever=dict(type=ZeroRetriever),
                                inferencer=dict(type=GenInferencer, max_out_len=4)),
                 eval_cfg=dict(evaluator=dict(type=EMEvaluator)))
            for j in range({datasets})]
infer = dict(partitioner=dict(type=NaivePartitioner),
             runner=dict(type=LocalRunner, max_num_workers=2))
'''


def write_job(work: str, models: int, datasets: int, rows: int = 5) -> str:
    data = os.path.join(work, 'data')
    os.makedirs(data, exist_ok=True)
    for j in range(datasets):
        with open(os.path.join(data, f'd{j}.jsonl'), 'w') as f:
            for i in range(rows):
                f.write(json.dumps({'question': f'{i} + {j}?', 'answer': str(i + j)}) + '\n')
    path = os.path.join(work, 'cfg.py')
    with open(path, 'w') as f:
        f.write(CONFIG.format(models=models, datasets=datasets, data=data))
    return path


def snapshot(run_dir: str) -> dict[str, tuple[int, str]]:
    """``{relative path: (mtime_ns, sha1)}`` of task logs, predictions and results."""
    out = {}
    for top in ('logs/infer', 'logs/eval', 'predictions', 'results'):
        for path, _, files in os.walk(os.path.join(run_dir, top)):
            for name in files:
                full = os.path.join(path, name)
                with open(full, 'rb') as f:
                    digest = hashlib.sha1(f.read()).hexdigest()
                out[os.path.relpath(full, run_dir)] = (os.stat(full).st_mtime_ns, digest)
    return out


def redone(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]],
           stage: str) -> list[str]:
    """Task logs of ``stage`` ('infer' or 'eval') that are new or changed."""
    prefix = os.path.join('logs', stage) + os.sep
    return sorted(p for p, v in after.items() if p.startswith(prefix) and before.get(p) != v)


def run(n: int = 5, models: int = 5, datasets: int = 20) -> list[Row]:
    work = scratch('reuse')
    cfg = write_job(work, models, datasets)
    out = os.path.join(work, 'out')
    first, first_cpu = measured([PY, RUN, cfg, '-w', out])
    run_dir = only_run(out)
    n_tasks = len(os.listdir(os.path.join(run_dir, 'tasks', 'infer')))
    before = snapshot(run_dir)
    runs = [measured([PY, RUN, cfg, '-w', out, '-r']) for _ in range(n)]
    after = snapshot(run_dir)
    reuse = statistics.median(w for w, _ in runs)
    reuse_cpu = statistics.median(c for _, c in runs)
    bare = median_time([PY, '-c', 'pass'], n)
    again = redone(before, after, 'infer') + redone(before, after, 'eval')
    # the check must be able to fail: a deleted prediction has to show up as redone
    os.remove(os.path.join(run_dir, 'predictions', 'm0', 'd0.json'))
    measured([PY, RUN, cfg, '-w', out, '-r'])
    probe = snapshot(run_dir)
    probe_infer = redone(after, probe, 'infer')
    return [
        Row('reuse', f'first run: {n_tasks} infer + {n_tasks} eval tasks, 2 workers', first, 's',
            'python -c pass', bare),
        Row('reuse', f'`-r` with all {n_tasks} tasks done (median of {n})', reuse, 's',
            'python -c pass', bare, '< 1 s', reuse < 1.0 and not again),
        Row('reuse', f'`-r` CPU seconds (median of {n}; load-independent)', reuse_cpu, 's',
            target='< 1 s', met=reuse_cpu < 1.0),
        Row('reuse', f'tasks redone by {n} x `-r` (task logs changed; nothing may be redone)',
            len(again), '', target='0', met=not again),
        Row('reuse', 'inference tasks redone by `-r` after deleting 1 prediction (the check\'s '
            'own check)', len(probe_infer), '', target='1 (that one)',
            met=probe_infer == [os.path.join('logs', 'infer', 'm0', 'd0.out')]),
    ]


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('-n', type=int, default=5, help='runs per median (default 5)')
    main_table(run(ap.parse_args().n))
