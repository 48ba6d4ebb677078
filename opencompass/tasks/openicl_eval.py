"""``OpenICLEvalTask``: score predictions and write ``results/MODEL/DATASET.json``.

A dataset that inference split into parts (``abbr_0``, ``abbr_1``, ...) is merged
back here; evaluation refuses to score unless the parts cover every sample.
"""
from __future__ import annotations

import os
import re
from typing import Any

from ..datasets.build import build_dataset, reference, test_ids
from ..errors import TaskError
from ..registry import ICL_EVALUATORS, TASKS, TEXT_POSTPROCESSORS, build
from ..utils.abbr import dataset_abbr, model_abbr
from ..utils.fileio import read_json
from ..utils.logging import get_logger
from .base import BaseTask
from .outputs import eval_fingerprint, infer_fingerprint, invalidate, is_fresh, output_file, \
    read_meta, write_with_meta


@TASKS.register_module()
class OpenICLEvalTask(BaseTask):
    stage = 'eval'
    output_kind = 'results'

    def output_paths(self) -> list[str]:
        return [output_file(self.work_dir, 'results', m, d)
                for m, ds in zip(self.model_cfgs, self.dataset_cfgs) for d in ds]

    def is_done(self) -> bool:
        for m, ds in zip(self.model_cfgs, self.dataset_cfgs):
            for d in ds:
                parts = prediction_parts(self.work_dir, m, d)
                fp = eval_fingerprint(d, [meta.get('digest', '') for _, meta in parts])
                if not parts or not is_fresh(output_file(self.work_dir, 'results', m, d), fp):
                    return False
        return True

    def run(self) -> None:
        for model_cfg, dataset_cfgs in zip(self.model_cfgs, self.dataset_cfgs):
            for dataset_cfg in dataset_cfgs:
                self._eval_one(model_cfg, dataset_cfg)

    def _eval_one(self, model_cfg: dict, dataset_cfg: dict) -> None:
        name = f'{model_abbr(model_cfg)}/{dataset_abbr(dataset_cfg)}'
        parts = prediction_parts(self.work_dir, model_cfg, dataset_cfg)
        if not parts:
            raise TaskError(f'{name}: no predictions found in '
                            f"{os.path.join(self.work_dir, 'predictions', model_abbr(model_cfg))}"
                            ' (run inference first, e.g. -m infer or -m all)')
        out_path = output_file(self.work_dir, 'results', model_cfg, dataset_cfg)
        fp = eval_fingerprint(dataset_cfg, [meta.get('digest', '') for _, meta in parts])
        if is_fresh(out_path, fp):
            return
        invalidate(out_path)
        where = f'datasets[{dataset_abbr(dataset_cfg)}]'
        dataset = build_dataset(dataset_cfg, where)
        expected = test_ids(dataset_cfg, dataset)
        predictions: dict[str, Any] = {}
        for path, _ in parts:
            predictions.update(read_json(path))
        missing = [i for i in expected if str(i) not in predictions]
        if missing:
            raise TaskError(f'{name}: predictions cover {len(expected) - len(missing)} of '
                            f'{len(expected)} samples (first missing: #{missing[0]}); a part of '
                            'the split dataset is missing, re-run inference with -r')
        self.report_progress(0, len(expected), force=True)
        result = self.score(dataset_cfg, dataset, expected, predictions, where)
        write_with_meta(out_path, result, {'fingerprint': fp, 'samples': len(expected)})
        self.report_progress(len(expected), len(expected), force=True)
        metrics = {k: v for k, v in result.items() if isinstance(v, (int, float))}
        get_logger().info('%s: %s', name, metrics)

    def score(self, dataset_cfg: dict, dataset: Any, ids: list[int],
              predictions: dict[str, Any], where: str) -> dict[str, Any]:
        eval_cfg = dataset_cfg.get('eval_cfg', {})
        evaluator = build(eval_cfg.get('evaluator', {'type': 'AccEvaluator'}), ICL_EVALUATORS,
                          where=f'{where}.eval_cfg.evaluator')
        records = [predictions[str(i)] for i in ids]
        failed = [str(i) for i, r in zip(ids, records) if r.get('failed')]
        raw = [r.get('prediction', '') for r in records]
        preds = apply_postprocessor(raw, eval_cfg.get('pred_postprocessor'),
                                    f'{where}.eval_cfg.pred_postprocessor')
        refs = apply_postprocessor([reference(dataset, i) for i in ids],
                                   eval_cfg.get('dataset_postprocessor'),
                                   f'{where}.eval_cfg.dataset_postprocessor')
        result = evaluator.score(preds, refs)
        if 'error' in result:
            raise TaskError(f"{where}: the evaluator failed: {result['error']}")
        details = result.pop('details', None)
        if isinstance(details, list):
            for i, d, r in zip(ids, details, raw):
                if isinstance(d, dict):
                    d.setdefault('id', i)
                    d.setdefault('origin_prediction', r)
        result['num_samples'] = len(ids)
        if failed:
            result['num_failed'] = len(failed)
        result['details'] = details
        return result


def apply_postprocessor(values: list, cfg: dict | None, where: str) -> list:
    if not cfg:
        return values
    cfg = dict(cfg)
    fn = TEXT_POSTPROCESSORS.get(cfg.pop('type'), where=f'{where}.type')
    return [fn(v if isinstance(v, str) else ('' if v is None else str(v)), **cfg) for v in values]


def prediction_parts(run_dir: str, model_cfg: dict,
                     dataset_cfg: dict) -> list[tuple[str, dict[str, Any]]]:
    """Fresh prediction files for a dataset: the whole file, or all its parts, in order."""
    whole = output_file(run_dir, 'predictions', model_cfg, dataset_cfg)
    base_fp = infer_fingerprint(model_cfg, dataset_cfg, with_part=False)
    meta = read_meta(whole)
    if meta and meta.get('fingerprint') == base_fp:
        return [(whole, meta)]
    folder = os.path.dirname(whole)
    pattern = re.compile(re.escape(dataset_abbr(dataset_cfg)) + r'_(\d+)\.json$')
    found = []
    if os.path.isdir(folder):
        for name in os.listdir(folder):
            m = pattern.match(name)
            if m:
                path = os.path.join(folder, name)
                part_meta = read_meta(path)
                if part_meta and part_meta.get('base_fingerprint') == base_fp:
                    found.append((int(m.group(1)), path, part_meta))
    return [(path, meta) for _, path, meta in sorted(found)]
