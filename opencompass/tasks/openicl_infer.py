"""``OpenICLInferTask``: run a model over datasets and write ``predictions/MODEL/DATASET.json``."""
from __future__ import annotations

import time
from typing import Any

from ..datasets.build import build_dataset, reference, test_ids
from ..openicl.icl_inferencer.icl_base_inferencer import Sample
from ..registry import (ICL_INFERENCERS, ICL_PROMPT_TEMPLATES, ICL_RETRIEVERS, MODELS, TASKS,
                        build)
from ..utils.abbr import dataset_abbr, model_abbr
from ..utils.fileio import Journal
from ..utils.logging import get_logger
from .base import BaseTask
from .outputs import infer_fingerprint, invalidate, is_fresh, journal_file, output_file, \
    write_with_meta


@TASKS.register_module()
class OpenICLInferTask(BaseTask):
    """Inference with resume: finished samples are journaled and never recomputed."""

    stage = 'infer'
    output_kind = 'predictions'

    def output_paths(self) -> list[str]:
        return [output_file(self.work_dir, 'predictions', m, d)
                for m, ds in zip(self.model_cfgs, self.dataset_cfgs) for d in ds]

    def pending(self) -> list[tuple[dict, dict]]:
        """The (model, dataset) pairs whose predictions are missing or stale."""
        return [(m, d) for m, ds in zip(self.model_cfgs, self.dataset_cfgs) for d in ds
                if not is_fresh(output_file(self.work_dir, 'predictions', m, d),
                                infer_fingerprint(m, d))]

    def is_done(self) -> bool:
        return not self.pending()

    def run(self) -> None:
        logger = get_logger()
        models: dict[str, Any] = {}
        for model_cfg, dataset_cfg in self.pending():
            key = model_abbr(model_cfg)
            started = time.time()
            self._infer_one(model_cfg, dataset_cfg, lambda: models.get(key) or
                            models.setdefault(key, self._build_model(model_cfg)))
            logger.info('%s/%s: predictions written in %.1f s', key, dataset_abbr(dataset_cfg),
                        time.time() - started)

    @staticmethod
    def _build_model(model_cfg: dict) -> Any:
        get_logger().info('loading model %s', model_abbr(model_cfg))
        return build(model_cfg, MODELS, where=f'models[{model_abbr(model_cfg)}]')

    def _infer_one(self, model_cfg: dict, dataset_cfg: dict, get_model: Any) -> None:
        out_path = output_file(self.work_dir, 'predictions', model_cfg, dataset_cfg)
        fp = infer_fingerprint(model_cfg, dataset_cfg)
        invalidate(out_path)
        where = f'datasets[{dataset_abbr(dataset_cfg)}]'
        dataset = build_dataset(dataset_cfg, where)
        ids = test_ids(dataset_cfg, dataset)
        infer_cfg = dataset_cfg.get('infer_cfg', {})
        output_column = dataset.reader.output_column
        dataset.reader.check_columns([dataset.test[i] for i in ids], where, need_output=False)

        journal = Journal(journal_file(out_path), fp)
        done = journal.load()
        samples = self._samples(dataset, infer_cfg, ids, where)
        todo = [s for s in samples if s.id not in done]
        total = len(samples)
        self.report_progress(total - len(todo), total, force=True, dataset=dataset_abbr(dataset_cfg))
        if todo:
            journal.open(keep=bool(done))
            model = get_model()
            inferencer = build(infer_cfg.get('inferencer', {'type': 'GenInferencer'}),
                               ICL_INFERENCERS, where=f'{where}.infer_cfg.inferencer')

            def on_done(records: dict[str, Any]) -> None:
                journal.append(records)
                done.update(records)
                self.report_progress(len(done), total, dataset=dataset_abbr(dataset_cfg))

            inferencer.infer(model, todo, self._template(infer_cfg, 'prompt_template', where),
                             self._template(infer_cfg, 'ice_template', where), output_column,
                             on_done)
            journal.close()
        ordered = {str(i): done[str(i)] for i in ids}
        meta = {'fingerprint': fp, 'base_fingerprint': infer_fingerprint(model_cfg, dataset_cfg,
                                                                         with_part=False),
                'ids': [ids[0], ids[-1] + 1] if ids else [0, 0], 'samples': len(ids),
                'failed': sum(1 for r in ordered.values() if r.get('failed'))}
        write_with_meta(out_path, ordered, meta)
        journal.remove()
        self.report_progress(total, total, force=True, dataset=dataset_abbr(dataset_cfg))

    @staticmethod
    def _template(infer_cfg: dict, key: str, where: str) -> Any:
        cfg = infer_cfg.get(key)
        return build(cfg, ICL_PROMPT_TEMPLATES, where=f'{where}.infer_cfg.{key}') if cfg else None

    def _samples(self, dataset: Any, infer_cfg: dict, ids: list[int], where: str) -> list[Sample]:
        retriever_cfg = dict(infer_cfg.get('retriever', {'type': 'ZeroRetriever'}))
        retriever = build(retriever_cfg, ICL_RETRIEVERS, where=f'{where}.infer_cfg.retriever',
                          dataset=dataset)
        ice_template = self._template(infer_cfg, 'ice_template', where)
        ice_ids = retriever.retrieve()
        return [Sample(id=str(i), entry=dataset.test[i],
                       ice=retriever.generate_ice(ice_ids[i], ice_template),
                       gold=reference(dataset, i)) for i in ids]
