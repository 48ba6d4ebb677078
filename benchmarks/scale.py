"""Scale without a cluster: planning and ``-r`` for 100 models x 500 datasets (50,000 pairs).

A synthetic config (``fake_model.ConstantModel``: nothing is loaded; 500 small JSONL
datasets) is run through ``run.py`` in a child process, three times:

1. ``--dry-run`` (``SizePartitioner`` plans every pair of a new run);
2. the first ``-r`` when everything is done: the run directory is first filled, the way a
   finished run leaves it, with every prediction and result file and its sidecar, written
   by the project's own functions (``write_with_meta`` and the fingerprints the tasks use),
   so ``-r`` has to check all 100,000 outputs, plan nothing, and summarize (the run's
   index of outputs is the one those writes leave, and the finished run's own summary is
   made first, untimed, with ``-r -m viz``: a real run ends with it);
3. the driver's peak memory: ``ru_maxrss`` of each child (``os.wait4``).

Targets (issue 13): ``--dry-run`` < 10 s, ``-r`` all done < 5 s, memory < 1 GiB.

Usage: ``python benchmarks/scale.py [--models 100] [--datasets 500] [--profile DIR]``
(``--profile`` writes a cProfile of each child run into DIR).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, 'benchmarks')
sys.path[:0] = [ROOT, BENCH]

TARGETS = {'dry-run': 10.0, '-r all done': 5.0}
MEMORY_TARGET_MB = 1024.0

HEADER = '''\
from opencompass.datasets import CustomDataset
from opencompass.openicl.icl_prompt_template import PromptTemplate
from opencompass.openicl.icl_retriever import ZeroRetriever
from opencompass.openicl.icl_inferencer import GenInferencer
from opencompass.openicl.icl_evaluator import EMEvaluator
from opencompass.partitioners import SizePartitioner
from opencompass.runners import LocalRunner
from opencompass.tasks import OpenICLInferTask
'''


def write_inputs(root: str, n_models: int, n_datasets: int, rows: int) -> str:
    """The datasets (one JSONL each) and the config; returns the config's path."""
    data = os.path.join(root, 'data')
    os.makedirs(data)
    entries = []
    for j in range(n_datasets):
        path = os.path.join(data, f'd{j:03d}.jsonl')
        with open(path, 'w') as f:
            for i in range(rows):
                f.write(f'{{"question": "What is {i} + {j}?", "answer": "{i + j}"}}\n')
        entries.append(
            f"dict(abbr='d{j:03d}', type=CustomDataset, path={path!r}, "
            "reader_cfg=dict(input_columns=['question'], output_column='answer'), "
            "infer_cfg=dict(prompt_template=dict(type=PromptTemplate, "
            "template='Q: {question}\\nA: {answer}'), retriever=dict(type=ZeroRetriever), "
            "inferencer=dict(type=GenInferencer)), eval_cfg=dict(evaluator=dict(type=EMEvaluator)))")
    models = [f"dict(type='fake_model.ConstantModel', abbr='m{i:03d}', path='fake/m{i:03d}', "
              "max_out_len=8, batch_size=8, run_cfg=dict(num_gpus=0))" for i in range(n_models)]
    cfg = os.path.join(root, 'scale_cfg.py')
    with open(cfg, 'w') as f:
        f.write(HEADER)
        f.write('models = [\n    ' + ',\n    '.join(models) + ',\n]\n')
        f.write('datasets = [\n    ' + ',\n    '.join(entries) + ',\n]\n')
        f.write("infer = dict(partitioner=dict(type=SizePartitioner, max_task_size=40000, "
                "gen_task_coef=20), runner=dict(type=LocalRunner, max_num_workers=8, "
                "task=dict(type=OpenICLInferTask)))\n")
    return cfg


def write_done_run(cfg_path: str, run_dir: str) -> int:
    """Fill ``run_dir`` as a finished run leaves it: predictions and results with sidecars."""
    from opencompass.config import fill_defaults, load_config
    cfg = fill_defaults(load_config(cfg_path), slurm=False)
    # a scratch directory: 200,000 files written in place (the atomic temp-file + fsync +
    # rename of a real run is what makes a crash safe, not what the files contain)
    import json

    from opencompass.tasks import outputs
    from opencompass.tasks.fingerprints import planning_cache

    def plain_write(path: str, text: str) -> None:  # same bytes, no temp file + fsync + rename
        try:
            f = open(path, 'w', encoding='utf-8')
        except FileNotFoundError:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            f = open(path, 'w', encoding='utf-8')
        with f:
            f.write(text)

    saved = outputs.atomic_write_text, outputs.atomic_write_json
    outputs.atomic_write_text = plain_write  # type: ignore[assignment]
    outputs.atomic_write_json = lambda path, data: plain_write(  # type: ignore[assignment]
        path, json.dumps(data, ensure_ascii=False, indent=2))
    try:
        from opencompass.tasks.fingerprints import saved_digests
        # the eval planning of a finished run has left status/file_digests.json behind
        with planning_cache(), saved_digests(os.path.join(run_dir, 'status',
                                                          'file_digests.json')):
            return _write_pairs(cfg, run_dir)
    finally:
        outputs.atomic_write_text, outputs.atomic_write_json = saved


def _write_pairs(cfg: dict[str, Any], run_dir: str) -> int:
    from opencompass.datasets.build import estimate_size
    from opencompass.tasks.fingerprints import combine, eval_components, infer_components
    from opencompass.tasks.outputs import (
        infer_fingerprint,
        output_file,
        prediction_digests,
        write_with_meta,
    )
    n = 0
    for model in cfg['models']:
        for ds in cfg['datasets']:
            rows = estimate_size(ds)
            preds = {str(i): {'prediction': '0', 'gold': None} for i in range(rows)}
            components = infer_components(model, ds)
            pred_path = output_file(run_dir, 'predictions', model, ds)
            write_with_meta(pred_path, preds, {
                'fingerprint': combine(components), 'components': components,
                'base_fingerprint': infer_fingerprint(model, ds, with_part=False),
                'ids': [0, rows], 'samples': rows, 'failed': 0})
            ev = eval_components(ds, prediction_digests([(pred_path, {})]))
            write_with_meta(output_file(run_dir, 'results', model, ds), {'accuracy': 0.0},
                            {'fingerprint': combine(ev), 'components': ev, 'samples': rows})
            n += 1
    return n


def timed_child(argv: list[str], env: dict[str, str], profile: str | None) -> dict[str, Any]:
    """Run ``argv`` (``run.py ...``): wall and CPU seconds, exit status, peak RSS (MiB) of
    this child alone (``os.wait4``), and its output."""
    if profile:
        argv = [argv[0], '-m', 'cProfile', '-o', profile, *argv[1:]]
    with tempfile.TemporaryFile('w+') as out, tempfile.TemporaryFile('w+') as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {'seconds': seconds, 'cpu': usage.ru_utime + usage.ru_stime,
                'code': proc.returncode, 'rss_mb': usage.ru_maxrss / 1024.0,
                'out': out.read(), 'err': err.read()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--models', type=int, default=100)
    ap.add_argument('--datasets', type=int, default=500)
    ap.add_argument('--rows', type=int, default=20)
    ap.add_argument('--profile', help='write a cProfile of each run.py child into this dir')
    ap.add_argument('--scratch', default=os.environ.get('OC_BENCH_TMP',
                                                        os.path.join(ROOT, '.cache')),
                    help='where the 100,000 files go (default .cache/: /tmp can be slow)')
    ap.add_argument('--keep', action='store_true', help='keep the scratch directory')
    ap.add_argument('--reuse', metavar='DIR', help='a directory kept by --keep: skip writing '
                    'the inputs and the done run (-r is then not the first one)')
    args = ap.parse_args()
    pairs = args.models * args.datasets
    os.makedirs(args.scratch, exist_ok=True)
    root = args.reuse or tempfile.mkdtemp(prefix='oc-scale-', dir=args.scratch)
    args.keep = args.keep or bool(args.reuse)
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([BENCH, ROOT])}
    env.pop('CUDA_VISIBLE_DEVICES', None)
    run_py = [sys.executable, os.path.join(ROOT, 'run.py')]
    rows: list[tuple[str, float, str, str]] = []
    try:
        cfg = os.path.join(root, 'scale_cfg.py') if args.reuse else \
            write_inputs(root, args.models, args.datasets, args.rows)
        work = os.path.join(root, 'work')
        prof = (lambda name: os.path.join(args.profile, name)) if args.profile else \
            (lambda name: None)
        if args.profile:
            os.makedirs(args.profile, exist_ok=True)
        dry = timed_child([*run_py, cfg, '-w', work, '--dry-run'], env, prof('dry_run.prof'))
        assert dry['code'] == 0, dry['err'][-2000:]
        n_tasks = sum(int(line.split()[1]) for line in dry['out'].splitlines()
                      if line.startswith('infer: '))
        print(f'--dry-run: {dry["seconds"]:.2f} s wall, {dry["cpu"]:.2f} s CPU ({n_tasks} infer '
              f'tasks), peak RSS {dry["rss_mb"]:.0f} MiB, load average '
              f'{os.getloadavg()[0]:.2f}', flush=True)
        t0 = time.perf_counter()
        written = pairs if args.reuse else \
            write_done_run(cfg, os.path.join(work, '20260101_000000'))
        fill = time.perf_counter() - t0
        print(f'{written} done pairs written in {fill:.1f} s', flush=True)
        summary = None
        if not args.reuse:  # a finished run ends with its summary: make it (not timed)
            summary = timed_child([*run_py, cfg, '-w', work, '-r', '-m', 'viz'], env, None)
            assert summary['code'] == 0, summary['err'][-2000:]
            print(f'the finished run\'s summary (untimed, as its last stage): '
                  f'{summary["seconds"]:.2f} s wall, {summary["cpu"]:.2f} s CPU', flush=True)
        again = timed_child([*run_py, cfg, '-w', work, '-r'], env, prof('reuse.prof'))
        assert again['code'] == 0, again['err'][-2000:]
        assert 'infer: nothing to do' in again['err'] and 'eval: nothing to do' in again['err'], \
            again['err'][-2000:]
        rows = [(f'--dry-run wall (plans {n_tasks} infer tasks)', dry['seconds'], 's', '< 10 s'),
                ('--dry-run CPU seconds (load-independent)', dry['cpu'], 's', '< 10 s'),
                ('-r, everything done: wall', again['seconds'], 's', '< 5 s'),
                ('-r, everything done: CPU seconds', again['cpu'], 's', '< 5 s'),
                ('driver peak memory (ru_maxrss)', max(dry['rss_mb'], again['rss_mb']), 'MiB',
                 '< 1024 MiB')]
        print(f'scale: {args.models} models x {args.datasets} datasets = {pairs} pairs '
              f'({written} done pairs written in {fill:.1f} s); load average '
              f'{os.getloadavg()[0]:.2f}')
        print(f'{"figure":44} {"value":>12}  target')
        for name, value, unit, target in rows:
            print(f'{name:44} {value:10.2f} {unit:3}  {target}')
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print('kept', root)


if __name__ == '__main__':
    main()
