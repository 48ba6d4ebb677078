"""The stages of a run: plan tasks, run inference, run evaluation, summarize.

``Pipeline`` owns the run directory and the order of stages; partitioners,
runners, tasks and the summarizer do the work. The exit status is 0 only when
every task succeeded.
"""
from __future__ import annotations

import argparse
import os
import time
from typing import TYPE_CHECKING, Any

from .config import dump_config, fill_defaults
from .errors import ConfigError, RunDirError
from .registry import PARTITIONERS, RUNNERS, SUMMARIZERS, build
from .runners.base import BaseRunner, TaskStatus
from .tasks.base import BaseTask
from .tasks.outputs import eval_stale_reason, infer_stale_reason, output_file
from .utils.abbr import dataset_abbr, model_abbr
from .utils.logging import add_file_handler, get_logger
from .utils.run_dir import new_timestamp, resolve_reuse
from .utils.run_lock import RunLock
from .utils.serialize import short_type
from .validation import validate

if TYPE_CHECKING:
    from .notify.messages import RunNotifier
    from .partitioners.base import IsDone
    from .tasks.output_index import OutputIndex

STAGES = {'all': ('infer', 'eval', 'viz'), 'infer': ('infer',), 'eval': ('eval', 'viz'),
          'viz': ('viz',)}


class Pipeline:
    """One invocation of ``run.py``."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.logger = get_logger()
        self.statuses: list[TaskStatus] = []
        self.failed_pairs: set[tuple[str, str]] = set()  # (model, dataset) whose infer failed
        self.notifier: RunNotifier | None = None  # when -l and lark_bot_url are given
        self.summary_rows: list[str] = []
        self.report_path: str | None = None

    # -- set-up ----------------------------------------------------------------------
    def prepare(self) -> None:
        args = self.args
        if args.mode in ('eval', 'viz') and not args.reuse:
            raise ConfigError(f'-m {args.mode} works on an existing run: add -r (newest run) or '
                              '-r TIMESTAMP')
        from .config_cli import apply_runner_flags, load_run_config
        cfg = load_run_config(args)  # the config file, or one built from --models/--datasets
        from .utils.redaction import register_config, register_environment
        register_config(cfg)  # from here on, every secret is scrubbed from what the run writes
        register_environment()
        if isinstance(cfg.get('models'), list):  # lmdeploy configs run on vLLM or transformers
            from .models.turbomind import resolve_turbomind
            cfg['models'] = resolve_turbomind(cfg['models'])
        if getattr(args, 'accelerator', None) and isinstance(cfg.get('models'), list):
            from .models.accelerator import change_accelerator
            cfg['models'] = change_accelerator(cfg['models'], args.accelerator)
        self.slurm = bool(args.partition)
        cfg = fill_defaults(cfg, slurm=self.slurm)
        apply_runner_flags(cfg, args)  # --slurm, --retry, --max-workers-per-gpu
        self._apply_cli_overrides(cfg)
        from .evaluator.setup import fill_judges
        fill_judges(cfg)  # empty judge_cfg <- judge_models or OC_JUDGE_* (docs/llm-judge.md)
        validate(cfg, plan_only=bool(getattr(args, 'dry_run', False)))
        # literal secrets move to environment variables that task processes inherit
        from .utils.serialize import externalize_secrets
        cfg['models'] = externalize_secrets(cfg['models'])
        cfg['datasets'] = externalize_secrets(cfg['datasets'])
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
        self.compare_dir = None
        if getattr(args, 'compare', None):
            if 'viz' not in STAGES[args.mode]:
                raise ConfigError('--compare needs a mode that summarizes: -m viz, eval or all')
            from .summarizers.compare import resolve_compare
            self.compare_dir = resolve_compare(self.work_dir, args.compare)

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
        if 'eval' in stages:  # refuse before anything runs to run generated code unconfined
            from .utils.sandbox import preflight
            preflight(self.cfg['datasets'], bool(getattr(self.args, 'allow_unsafe_code', False)))
            from .evaluator.setup import check_judges
            check_judges(self.cfg['datasets'])  # an LLM judge with no model: say so now
        with RunLock(self.run_dir):  # one writer per run directory
            os.makedirs(os.path.join(self.run_dir, 'configs'), exist_ok=True)
            add_file_handler(os.path.join(self.run_dir, 'logs', 'run.log'))
            dump_config(self.cfg, os.path.join(self.run_dir, 'configs', f'{self.timestamp}.py'))
            self.logger.info('%s run %s', 'reusing' if self.reused else 'new', self.run_dir)
            started = time.time()
            from .notify.messages import RunNotifier
            self.notifier = RunNotifier.from_config(
                self.cfg, self.args.lark,
                f'{os.path.basename(self.args.config or "run.py")} {self.timestamp}')
            try:
                for stage in stages:
                    if stage == 'viz':
                        self.summarize()
                    else:
                        self.run_stage(stage)
            except BaseException as e:
                self._notify_end(started, error=str(e) or 'interrupted')
                raise
            if self.statuses:  # tasks indexed outputs: leave one index file for the next -r
                self.output_index().compact()
            self.logger.info('finished in %.1f s', time.time() - started)
            code = self.report()
            self._notify_end(started)
            return code

    def plan(self, stage: str) -> tuple[BaseRunner, list[BaseTask]]:
        section = self.cfg[stage]
        partitioner = build(section['partitioner'], PARTITIONERS, where=f'{stage}.partitioner')
        runner = build(section['runner'], RUNNERS, where=f'{stage}.runner')
        is_done = None if self.args.force else self.done_check(stage)
        from .tasks.fingerprints import planning_cache, saved_digests
        from .tasks.output_index import using
        dry = bool(getattr(self.args, 'dry_run', False))
        digests = os.path.join(self.run_dir, 'status', 'file_digests.json')
        index = self.output_index()
        task_cfgs = []  # (a --dry-run learns nothing for a later merge: an empty index is no help)
        with planning_cache(), saved_digests(digests, save=not dry), \
                using(index if index.entries or not dry else None):
            for models, datasets in planned_pairs(self.cfg):  # model_dataset_combinations
                task_cfgs += partitioner.partition(models, datasets, self.run_dir, stage,
                                                   is_done=is_done)
            if not dry:  # no task runs now: merge what the last ones indexed (digests known)
                index.compact()
        return runner, runner.make_tasks(task_cfgs)

    def output_index(self) -> OutputIndex:
        """The run's index of finished outputs (:mod:`.tasks.output_index`), read again
        where tasks appended to it since."""
        from .tasks.output_index import OutputIndex
        index: OutputIndex | None = getattr(self, '_index', None)
        if index is None:
            index = self._index = OutputIndex(self.run_dir)
        else:
            index.reload()
        return index

    def done_check(self, stage: str) -> IsDone:
        """``is_done(model, dataset)`` for the partitioner; logs why work is redone."""
        run_dir = self.run_dir
        kind = 'predictions' if stage == 'infer' else 'results'

        def is_done(m: dict[str, Any], d: dict[str, Any]) -> bool:
            if stage == 'eval' and (model_abbr(m), dataset_abbr(d)) in self.failed_pairs:
                return True  # already reported as an inference failure
            why = (infer_stale_reason if stage == 'infer' else eval_stale_reason)(run_dir, m, d)
            if why and not why.startswith('missing'):
                rel = os.path.relpath(output_file(run_dir, kind, m, d), run_dir)
                verb = 'resuming' if why.startswith('unfinished') else 'redoing'
                self.logger.info('%s %s: %s', verb, rel, why)
            return why is None
        return is_done

    def run_stage(self, stage: str) -> None:
        runner, tasks = self.plan(stage)
        self._notify_launch(stage, len(tasks))
        stage_started = time.time()
        if not tasks:
            self.logger.info('%s: nothing to do, every output is up to date', stage)
            return
        if self.args.force:
            from .tasks.outputs import discard
            for t in tasks:
                for path in t.output_paths():
                    discard(path)
        self.logger.info('%s: %d task(s) with %s', stage, len(tasks), type(runner).__name__)
        statuses = runner.launch(tasks)
        self.output_index().forget_checks()  # outputs were rewritten: stat them again
        self.statuses += statuses
        from .runners.records import record_stage
        record_stage(self.run_dir, stage, tasks, statuses)  # timings and failures, for viz
        if self.notifier:
            self.notifier.stage_finished(stage, statuses, time.time() - stage_started)
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
        time_str = time.strftime('%Y%m%d_%H%M%S')
        self._notify_launch(None, 0)
        from .summarizers import summary_cache
        digest = summary_cache.inputs_digest(self, summarizer)
        reused = summary_cache.reuse(self.run_dir, digest, time_str)
        if reused is not None:  # nothing the summary reads changed since the last one
            table, self.summary_rows, self.report_path = reused
            print(table, flush=True)
            self.logger.info('summary written to %s', os.path.join(self.run_dir, 'summary'))
            return
        table = summarizer.summarize(self.run_dir, time_str)
        print(table, flush=True)
        self.logger.info('summary written to %s', os.path.join(self.run_dir, 'summary'))
        from .summarizers.viz import after_summary
        self.summary_rows, self.report_path = after_summary(self, summarizer, time_str)
        summary_cache.store(self.run_dir, digest, time_str, self.summary_rows, self.report_path)

    def dry_run(self, stages: tuple[str, ...]) -> int:
        for stage in stages:
            if stage == 'viz':
                print('viz: summarize results into summary/')
                continue
            runner, tasks = self.plan(stage)
            print(f'{stage}: {len(tasks)} task(s) with {type(runner).__name__} '
                  f'(run dir {self.run_dir})')
            if not tasks:
                continue
            print(plan_table(tasks))
            for i, (t, line) in enumerate(zip(tasks, runner.describe_all(tasks)), 1):
                print(f'  #{i} {t.short_name}\n      $ {line}')
            if stage == 'eval':  # planned all the same; a real run would stop here
                from .evaluator.setup import check_judges
                try:
                    check_judges(self.cfg['datasets'])
                except ConfigError as e:
                    print(f'note: {e}')
        return 0

    def _notify_launch(self, stage: str | None, n_tasks: int) -> None:
        if self.notifier:
            self.notifier.launched(self.args.config, self.run_dir, self.args.mode,
                                   len(self.cfg['models']), len(self.cfg['datasets']), stage,
                                   n_tasks)

    def _notify_end(self, started: float, error: str = '') -> None:
        if not self.notifier:
            return
        self._notify_launch(None, 0)
        summary = os.path.join(self.run_dir, 'summary') if self.summary_rows else None
        self.notifier.finished(time.time() - started, [s for s in self.statuses if not s.ok],
                               self.summary_rows, summary, self.report_path, error=error)
        self.notifier.close()

    def report(self) -> int:
        failed = [s for s in self.statuses if not s.ok]
        if not failed:
            return 0
        from .summarizers.missing import tail
        for s in failed:  # the end of each failed task's log, then the list of failures
            print(f'----- last lines of {s.log_path} -----', flush=True)
            print('\n'.join(f'  | {line}' for line in tail(s.log_path)) or '  (empty log)')
        self.logger.error('%d task(s) failed:', len(failed))
        for s in failed:
            reason = f': {s.error}' if s.error else ''
            print(f'FAILED {s.name} (exit {s.returncode}){reason}\n  log: {s.log_path}',
                  flush=True)
        return 1


def planned_pairs(cfg: dict[str, Any]) -> list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """``(models, datasets)`` groups to plan: every model with every dataset, or, with
    ``model_dataset_combinations``, each model with only the datasets combined with it."""
    combos = cfg.get('model_dataset_combinations')
    if not combos:
        return [(cfg['models'], cfg['datasets'])]
    groups = []
    for model in cfg['models']:
        wanted: list[str] = []
        for combo in combos:
            if model_abbr(model) in combo['models']:
                wanted += [a for a in combo['datasets'] if a not in wanted]
        datasets = [d for a in wanted for d in cfg['datasets'] if dataset_abbr(d) == a]
        if datasets:
            groups.append(([model], datasets))
    return groups


def plan_table(tasks: list[BaseTask]) -> str:
    """The ``--dry-run`` plan of one stage: a row per task (plain text: 50,000 rows in ~1 s)."""
    rows = [['#', 'model', 'datasets / parts', 'gpus']]
    for i, t in enumerate(tasks, 1):
        models = ', '.join(model_abbr(m) for m in t.model_cfgs)
        parts = ', '.join(dataset_abbr(d) for ds in t.dataset_cfgs for d in ds)
        rows.append([str(i), models, parts, str(t.num_gpus)])
    widths = [max(len(r[c]) for r in rows) for c in range(4)]
    rule = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'
    lines = ['| ' + ' | '.join(v.ljust(w) for v, w in zip(r, widths)) + ' |' for r in rows]
    return '\n'.join([rule, lines[0], rule, *lines[1:], rule])
