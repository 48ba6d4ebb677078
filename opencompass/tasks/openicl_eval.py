"""``OpenICLEvalTask``: score predictions and write ``results/MODEL/DATASET.json``.

A dataset that inference split into parts (``abbr_0``, ``abbr_1``, ...) is merged
back here; evaluation refuses to score unless the parts cover every sample.
"""
from __future__ import annotations

import inspect
import os
from typing import TYPE_CHECKING, Any

from ..datasets.build import build_dataset, reference, test_ids
from ..errors import TaskError
from ..registry import ICL_EVALUATORS, TASKS, TEXT_POSTPROCESSORS, build
from ..utils.abbr import dataset_abbr, model_abbr
from ..utils.fileio import read_json
from ..utils.logging import get_logger
from .base import BaseTask
from .eval_extras import model_postprocess, postprocess_each
from .fingerprints import combine, eval_components
from .outputs import (
    eval_stale_reason,
    invalidate,
    is_fresh,
    journal_file,
    output_file,
    prediction_digests,
    prediction_parts,
    write_with_meta,
)

if TYPE_CHECKING:
    from ..datasets.base import BaseDataset
    from ..openicl.icl_evaluator.icl_base_evaluator import BaseEvaluator


@TASKS.register_module()
class OpenICLEvalTask(BaseTask):
    stage = 'eval'
    output_kind = 'results'
    _evaluator: Any = None  # the last evaluator built (its hooks run after the results)
    _judge_journal: str | None = None
    _extras_journal: str | None = None

    def __init__(self, cfg: dict[str, Any]):
        super().__init__(cfg)
        from ..evaluator.setup import judge_gpus  # a local judge model runs in this task
        self.num_gpus = max(self.num_gpus, judge_gpus(self.dataset_cfgs))

    def output_paths(self) -> list[str]:
        return [output_file(self.work_dir, 'results', m, d)
                for m, ds in zip(self.model_cfgs, self.dataset_cfgs) for d in ds]

    def is_done(self) -> bool:
        return all(eval_stale_reason(self.work_dir, m, d) is None
                   for m, ds in zip(self.model_cfgs, self.dataset_cfgs) for d in ds)

    def run(self) -> None:
        for model_cfg, dataset_cfgs in zip(self.model_cfgs, self.dataset_cfgs):
            for dataset_cfg in dataset_cfgs:
                self._eval_one(model_cfg, dataset_cfg)

    def _eval_one(self, model_cfg: dict[str, Any], dataset_cfg: dict[str, Any]) -> None:
        name = f'{model_abbr(model_cfg)}/{dataset_abbr(dataset_cfg)}'
        parts = prediction_parts(self.work_dir, model_cfg, dataset_cfg)
        if not parts:
            raise TaskError(f'{name}: no predictions found in '
                            f"{os.path.join(self.work_dir, 'predictions', model_abbr(model_cfg))}"
                            ' (run inference first, e.g. -m infer or -m all)')
        out_path = output_file(self.work_dir, 'results', model_cfg, dataset_cfg)
        components = eval_components(dataset_cfg, prediction_digests(parts))
        fp = combine(components)
        if is_fresh(out_path, fp):
            return
        invalidate(out_path)
        where = f'datasets[{dataset_abbr(dataset_cfg)}]'
        dataset = build_dataset(dataset_cfg, where)
        expected = test_ids(dataset_cfg, dataset)
        dataset.check_test_columns(expected, where, need_output=True)
        predictions: dict[str, Any] = {}
        for path, _ in parts:
            predictions.update(read_json(path))
        missing = [i for i in expected if str(i) not in predictions]
        if missing:
            raise TaskError(f'{name}: predictions cover {len(expected) - len(missing)} of '
                            f'{len(expected)} samples (first missing: #{missing[0]}); a part of '
                            'the split dataset is missing, re-run inference with -r')
        self.report_progress(0, len(expected), force=True, dataset=dataset_abbr(dataset_cfg))
        self._judge_journal = journal_file(out_path)  # LLM-judge answers, kept across a kill
        # model_postprocessor answers, resumable too (a journal of their own)
        self._extras_journal = journal_file(out_path)[:-len('.jsonl')] + '.postprocess.jsonl'
        result = self.score(dataset_cfg, dataset, expected, predictions, where)
        write_with_meta(out_path, result, {'fingerprint': fp, 'components': components,
                                           'samples': len(expected)})
        done = getattr(self._evaluator, 'eval_task_done', None)
        if callable(done):  # the judge's journal is no longer needed
            done()
        if os.path.exists(self._extras_journal):
            os.unlink(self._extras_journal)
        self.report_progress(len(expected), len(expected), force=True,
                             dataset=dataset_abbr(dataset_cfg))
        metrics = {k: v for k, v in result.items() if isinstance(v, (int, float))}
        get_logger().info('%s: %s', name, metrics)

    def score(self, dataset_cfg: dict[str, Any], dataset: BaseDataset, ids: list[int],
              predictions: dict[str, Any], where: str) -> dict[str, Any]:
        eval_cfg = dataset_cfg.get('eval_cfg', {})
        evaluator = build(eval_cfg.get('evaluator', {'type': 'AccEvaluator'}), ICL_EVALUATORS,
                          where=f'{where}.eval_cfg.evaluator')
        self._evaluator = evaluator
        attach = getattr(evaluator, 'attach_eval_task', None)
        if callable(attach):  # an LLM judge: journal its answers, show its progress
            abbr = dataset_abbr(dataset_cfg)
            attach(self._judge_journal,
                   lambda done, total: self.report_progress(done, total, dataset=abbr),
                   f'{where}.eval_cfg.evaluator')
        records = [predictions[str(i)] for i in ids]
        failed = [str(i) for i, r in zip(ids, records) if r.get('failed')]
        raw = [r.get('prediction', '') for r in records]
        # SCInferencer's lists: each generation postprocessed, then the majority answer
        preds, votes = postprocess_each(raw, lambda values: apply_postprocessor(
            values, eval_cfg.get('pred_postprocessor'), f'{where}.eval_cfg.pred_postprocessor'))
        # a failed sample reaches the evaluator as '' whatever a postprocessor made of it,
        # and '' is never correct (BaseEvaluator): failed samples are always scored wrong
        preds = ['' if r.get('failed') else p for p, r in zip(preds, records)]
        refs = apply_postprocessor([reference(dataset, i) for i in ids],
                                   eval_cfg.get('dataset_postprocessor'),
                                   f'{where}.eval_cfg.dataset_postprocessor')
        extra = {}  # evaluators that need whole rows (HumanEval's tests) take ``test_set``
        if 'test_set' in inspect.signature(evaluator.score).parameters:
            extra['test_set'] = [dataset.test[i] for i in ids]
        if 'origin_prompt' in inspect.signature(evaluator.score).parameters:
            extra['origin_prompt'] = [r.get('origin_prompt', '') for r in records]
        result = evaluator.score(preds, refs, **extra)
        if 'error' in result:
            raise TaskError(f"{where}: the evaluator failed: {result['error']}")
        details = result.pop('details', None)
        model_preds: list[Any] | None = None
        model_details: Any = None
        if eval_cfg.get('model_postprocessor'):  # scored again on a model's extraction
            model_preds = model_postprocess(
                eval_cfg['model_postprocessor'], records, refs, self._extras_journal,
                f'{where}.eval_cfg.model_postprocessor')
            again = evaluator.score(model_preds, refs, **extra)
            if 'error' in again:
                raise TaskError(f"{where}: the evaluator failed on the model postprocessor's "
                                f"answers: {again['error']}")
            model_details = again.pop('details', None)
            result.update({f'model_postprocess_{k}': v for k, v in again.items()})
        if isinstance(details, list):
            check_blank_not_credited(evaluator, details, preds, refs, records, where)
            for i, d, r, rec in zip(ids, details, raw, records):
                if isinstance(d, dict):
                    d.setdefault('id', i)
                    d.setdefault('origin_prediction', r)
                    if rec.get('failed'):
                        d['failed'] = True
            for n, d in enumerate(details):
                if isinstance(d, dict) and votes[n] is not None:
                    d.setdefault('votes', votes[n])
                if isinstance(d, dict) and model_preds is not None:
                    d['model_postprocess_pred'] = model_preds[n]
                    md = model_details[n] if isinstance(model_details, list) and \
                        n < len(model_details) else None
                    if isinstance(md, dict) and 'correct' in md:
                        d['model_postprocess_correct'] = md['correct']
        result['num_samples'] = len(ids)
        # failed samples (an API gave up) are scored as wrong, and always counted here
        result['num_failed'] = len(failed)
        usages = [r['usage'] for r in records if isinstance(r.get('usage'), dict)]
        if usages:  # API models report token usage per sample
            for k in ('prompt_tokens', 'completion_tokens'):
                result[k] = sum(int(u.get(k) or 0) for u in usages)
        result['details'] = details
        return result


def check_blank_not_credited(evaluator: BaseEvaluator, details: list[Any], preds: list[Any],
                             refs: list[Any], records: list[dict[str, Any]], where: str) -> None:
    """Refuse a result whose details count a failed sample, a blank prediction or a blank
    reference as correct: that evaluator's metric would credit nothing."""
    from ..openicl.icl_evaluator.icl_base_evaluator import is_blank
    if len(details) != len(preds):
        return
    for k, (d, p, r, rec) in enumerate(zip(details, preds, refs, records)):
        if isinstance(d, dict) and d.get('correct') is True and \
                (rec.get('failed') or is_blank(p) or is_blank(r)):
            what = 'a failed sample' if rec.get('failed') else \
                'an empty prediction' if is_blank(p) else 'an empty reference'
            raise TaskError(f'{where}: {type(evaluator).__name__} scored {what} (sample #{k}) as '
                            'correct; an evaluator must never credit it (see docs/scoring.md)')


def apply_postprocessor(values: list[Any], cfg: dict[str, Any] | None, where: str) -> list[Any]:
    if not cfg:
        return values
    cfg = dict(cfg)
    fn = TEXT_POSTPROCESSORS.get(cfg.pop('type'), where=f'{where}.type')
    return [fn(v if isinstance(v, str) else ('' if v is None else str(v)), **cfg) for v in values]
