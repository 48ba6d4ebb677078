"""The stages of a run: plan tasks, run inference, run evaluation, summarize.

``Pipeline`` owns the run directory and the order of stages; partitioners,
runners, tasks and the summarizer do the work. The exit status is 0 only when
every task succeeded.
"""
from __future__ import annotations

import argparse
import os
import time
from typing import Any

from .config import dump_config, fill_defaults, load_config
from .errors import ConfigError, RunDirError
from .registry import PARTITIONERS, RUNNERS, SUMMARIZERS, build
from .runners.base import BaseRunner, TaskStatus
from .tasks.base import BaseTask
from .tasks.outputs import infer_fingerprint, is_fresh, output_file
from .utils.abbr import dataset_abbr, model_abbr
from .utils.logging import add_file_handler, get_logger
from .utils.run_dir import new_timestamp, resolve_reuse
from .utils.serialize import short_type
from .validation import validate

STAGES = {'all': ('infer', 'eval', 'viz'), 'infer': ('infer',), 'eval': ('eval', 'viz'),
          'viz': ('viz',)}


class Pipeline:
    """One invocation of ``run.py``."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.logger = get_logger()
        self.statuses: list[TaskStatus] = []
        self.failed_pairs: set[tuple[str, str]] = set()  # (model, dataset) whose infer failed

    # -- set-up ----------------------------------------------------------------------
    def prepare(self) -> None:
        args = self.args
        if args.mode in ('eval', 'viz') and not args.reuse:
            raise ConfigError(f'-m {args.mode} works on an existing run: add -r (newest run) or '
                              '-r TIMESTAMP')
        cfg = load_config(args.config)
        self.slurm = bool(args.partition)
        cfg = fill_defaults(cfg, slurm=self.slurm)
        self._apply_cli_overrides(cfg)
        validate(cfg)
        self.cfg = cfg
        work_dir = args.work_dir or cfg.get('work_dir') or 'outputs/default'
        self.work_dir = os.path.abspath(work_dir)
        reused = resolve_reuse(self.work_dir, args.reuse) if args.reuse else None
        if args.reuse == 'latest' and reused is None:
            self.logger.info('-r: no previous run in %s, starting a new one', self.work_dir)
        self.reused = reused is not None
        self.timestamp = reused or new_timestamp(self.work_dir)
        self.run_dir = os.path.join(self.work_dir, self.timestamp)
        if args.mode in ('eval', 'viz') and not self.reused:
            raise RunDirError(f'-m {args.mode}: there is no run in {self.work_dir} to work on; '
                              'run inference first')

    def _apply_cli_overrides(self, cfg: dict[str, Any]) -> None:
        args = self.args
        for stage in ('infer', 'eval'):
            runner = cfg[stage]['runner']
            is_slurm = 'Slurm' in short_type(runner['type'])
            if is_slurm:
                if args.partition:
                    runner['partition'] = args.partition
                if args.quotatype:
                    runner['quotatype'] = args.quotatype
                if args.qos:
                    runner['qos'] = args.qos
            if args.max_num_workers:
                runner['max_num_workers'] = args.max_num_workers
            runner['debug'] = args.debug
        if args.partition and not any('Slurm' in short_type(cfg[s]['runner']['type'])
                                      for s in ('infer', 'eval')):
            self.logger.warning('-p %s is ignored: the config runs tasks with %s, not Slurm',
                                args.partition, short_type(cfg['infer']['runner']['type']))

    # -- running ---------------------------------------------------------------------
    def run(self) -> int:
        self.prepare()
        stages = STAGES[self.args.mode]
        if self.args.dry_run:
            return self.dry_run(stages)
        os.makedirs(os.path.join(self.run_dir, 'configs'), exist_ok=True)
        add_file_handler(os.path.join(self.run_dir, 'logs', 'run.log'))
        dump_config(self.cfg, os.path.join(self.run_dir, 'configs', f'{self.timestamp}.py'))
        self.logger.info('%s run %s', 'reusing' if self.reused else 'new', self.run_dir)
        started = time.time()
        for stage in stages:
            if stage == 'viz':
                self.summarize()
            else:
                self.run_stage(stage)
        self.logger.info('finished in %.1f s', time.time() - started)
        return self.report()

    def plan(self, stage: str) -> tuple[BaseRunner, list[BaseTask]]:
        section = self.cfg[stage]
        partitioner = build(section['partitioner'], PARTITIONERS, where=f'{stage}.partitioner')
        runner = build(section['runner'], RUNNERS, where=f'{stage}.runner')
        is_done = None if self.args.force else self.done_check(stage)
        task_cfgs = partitioner.partition(self.cfg['models'], self.cfg['datasets'], self.run_dir,
                                          stage, is_done=is_done)
        return runner, runner.make_tasks(task_cfgs)

    def done_check(self, stage: str) -> Any:
        run_dir = self.run_dir
        if stage == 'infer':
            return lambda m, d: is_fresh(output_file(run_dir, 'predictions', m, d),
                                         infer_fingerprint(m, d))

        def eval_done(m: dict, d: dict) -> bool:
            from .tasks.openicl_eval import OpenICLEvalTask
            if (model_abbr(m), dataset_abbr(d)) in self.failed_pairs:
                return True  # already reported as an inference failure
            return OpenICLEvalTask({'models': [m], 'datasets': [[d]],
                                    'work_dir': run_dir}).is_done()
        return eval_done

    def run_stage(self, stage: str) -> None:
        runner, tasks = self.plan(stage)
        if not tasks:
            self.logger.info('%s: nothing to do, every output is up to date', stage)
            return
        if self.args.force:
            from .tasks.outputs import invalidate
            for t in tasks:
                for path in t.output_paths():
                    invalidate(path)
        self.logger.info('%s: %d task(s) with %s', stage, len(tasks), type(runner).__name__)
        statuses = runner.launch(tasks)
        self.statuses += statuses
        failed = [s for s in statuses if not s.ok]
        by_name = {t.name: t for t in tasks}
        for status in failed:
            task = by_name.get(status.name)
            for m, ds in zip(task.model_cfgs, task.dataset_cfgs) if task else ():
                self.failed_pairs.update((model_abbr(m), d.get('base_abbr') or dataset_abbr(d))
                                         for d in ds)
        self.logger.info('%s: %d succeeded, %d failed', stage, len(statuses) - len(failed),
                         len(failed))

    def summarize(self) -> None:
        cfg = dict(self.cfg['summarizer'])
        if self.cfg.get('summary_groups') and 'summary_groups' not in cfg:
            cfg['summary_groups'] = self.cfg['summary_groups']
        summarizer = build(cfg, SUMMARIZERS, where='summarizer', config=self.cfg)
        table = summarizer.summarize(self.run_dir, time.strftime('%Y%m%d_%H%M%S'))
        print(table, flush=True)
        self.logger.info('summary written to %s', os.path.join(self.run_dir, 'summary'))

    def dry_run(self, stages: tuple[str, ...]) -> int:
        for stage in stages:
            if stage == 'viz':
                print('viz: summarize results into summary/')
                continue
            runner, tasks = self.plan(stage)
            print(f'{stage}: {len(tasks)} task(s) with {type(runner).__name__} '
                  f'(run dir {self.run_dir})')
            for t in tasks:
                parts = ', '.join(dataset_abbr(d) for ds in t.dataset_cfgs for d in ds)
                print(f'  - {t.short_name}  [{parts}]  gpus={t.num_gpus}')
                print(f'      $ {runner.describe(t)}')
        return 0

    def report(self) -> int:
        failed = [s for s in self.statuses if not s.ok]
        if not failed:
            return 0
        self.logger.error('%d task(s) failed:', len(failed))
        for s in failed:
            reason = f': {s.error}' if s.error else ''
            print(f'FAILED {s.name} (exit {s.returncode}){reason}\n  log: {s.log_path}',
                  flush=True)
        return 1
