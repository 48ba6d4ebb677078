"""Benchmark 5, model loads: how often each model is loaded when its datasets are split.

2 tiny models x 2 datasets, cut by ``SizePartitioner`` into many parts (one task
each), on 2 runner slots. Counted from the task logs (``loading model X``).
Target: once per worker (so at most 2 per model here), not once per part. The
baseline, measured in the same run, is ``reuse_workers=False``: a fresh process
per task, as OpenCompass does.
"""
from __future__ import annotations

import argparse
import os

from common import (
    PY,
    RUN,
    Row,
    count_log_lines,
    main_table,
    measured,
    only_run,
    scratch,
    tiny_model,
    write_run_config,
)

INFER = ("dict(partitioner=dict(type=SizePartitioner, max_task_size={size}, gen_task_coef=1, "
         "strategy='split'), runner=dict(type=LocalRunner, max_num_workers={slots}, "
         "reuse_workers={reuse}, task=dict(type=OpenICLInferTask)))")


def run(rows: int = 12, size: int = 12, slots: int = 2) -> list[Row]:
    from helpers import dataset_entries, model_entry, write_datasets
    work = scratch('loads')
    data = os.path.join(work, 'data')
    os.makedirs(data)
    write_datasets(data, n_gen=rows, n_mc=rows)
    model = tiny_model()
    models = [model_entry(model, 'tiny_a'), model_entry(model, 'tiny_b')]
    found = {}
    for reuse in (True, False):
        cfg = write_run_config(os.path.join(work, f'cfg_{reuse}.py'), models,
                               dataset_entries(data),
                               infer=INFER.format(size=size, slots=slots, reuse=reuse))
        out = os.path.join(work, f'out_{reuse}')
        wall, _ = measured([PY, RUN, cfg, '-w', out, '-m', 'infer'])
        run_dir = only_run(out)
        tasks = len(os.listdir(os.path.join(run_dir, 'tasks', 'infer')))
        found[reuse] = (wall, tasks, count_log_lines(run_dir, 'loading model'))
    wall, tasks, loads = found[True]
    base_wall, _, base_loads = found[False]
    rows_out = []
    for model_name in sorted(loads):
        rows_out.append(Row('model_loads', f'loads of {model_name} ({tasks // 2} parts, '
                            f'{slots} slots)', loads[model_name], '',
                            'process per task', base_loads.get(model_name), f'<= {slots}',
                            loads[model_name] <= slots))
    rows_out.append(Row('model_loads', f'inference wall time, {tasks} part tasks', wall, 's',
                        'process per task', base_wall))
    return rows_out


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--rows', type=int, default=12, help='rows per dataset (default 12)')
    ap.add_argument('--size', type=int, default=12, help='SizePartitioner max_task_size')
    main_table(run(ap.parse_args().rows, ap.parse_args().size))
