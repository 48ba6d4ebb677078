"""``OpenICLInferTask``: run a model over datasets and write ``predictions/MODEL/DATASET.json``."""
from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from ..datasets.build import build_dataset, reference, test_ids
from ..errors import DatasetError, TaskError
from ..openicl.icl_inferencer.icl_base_inferencer import Sample
from ..registry import ICL_INFERENCERS, ICL_PROMPT_TEMPLATES, ICL_RETRIEVERS, MODELS, TASKS, build
from ..utils.abbr import dataset_abbr, model_abbr
from ..utils.fileio import Journal
from ..utils.logging import get_logger
from .base import BaseTask
from .fingerprints import combine, infer_components
from .outputs import (
    infer_fingerprint,
    invalidate,
    is_fresh,
    journal_file,
    output_file,
    write_with_meta,
)

if TYPE_CHECKING:
    from ..datasets.base import BaseDataset
    from ..models.base import BaseModel
    from ..openicl.icl_prompt_template import PromptTemplate


@TASKS.register_module()
class OpenICLInferTask(BaseTask):
    """Inference with resume: finished samples are journaled and never recomputed."""

    stage = 'infer'
    output_kind = 'predictions'

    def output_paths(self) -> list[str]:
        return [output_file(self.work_dir, 'predictions', m, d)
                for m, ds in zip(self.model_cfgs, self.dataset_cfgs) for d in ds]

    def pending(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """The (model, dataset) pairs whose predictions are missing or stale."""
        return [(m, d) for m, ds in zip(self.model_cfgs, self.dataset_cfgs) for d in ds
                if not is_fresh(output_file(self.work_dir, 'predictions', m, d),
                                infer_fingerprint(m, d))]

    def is_done(self) -> bool:
        return not self.pending()

    def run(self) -> None:
        logger = get_logger()
        for model_cfg, dataset_cfg in self.pending():
            started = time.time()
            self._infer_one(model_cfg, dataset_cfg, partial(self._build_model, model_cfg))
            logger.info('%s/%s: predictions written in %.1f s', model_abbr(model_cfg),
                        dataset_abbr(dataset_cfg), time.time() - started)

    @staticmethod
    def _build_model(model_cfg: dict[str, Any]) -> BaseModel:
        from .worker import cached_model  # one model kept per process, across tasks too

        def load() -> BaseModel:
            get_logger().info('loading model %s', model_abbr(model_cfg))
            return build(model_cfg, MODELS, where=f'models[{model_abbr(model_cfg)}]')
        model, reused = cached_model(model_cfg, load)
        if reused:
            get_logger().info('reusing model %s, already loaded in this process',
                              model_abbr(model_cfg))
        return model

    def _infer_one(self, model_cfg: dict[str, Any], dataset_cfg: dict[str, Any],
                   get_model: Callable[[], BaseModel]) -> None:
        out_path = output_file(self.work_dir, 'predictions', model_cfg, dataset_cfg)
        components = infer_components(model_cfg, dataset_cfg)
        fp = combine(components)
        invalidate(out_path)
        where = f'datasets[{dataset_abbr(dataset_cfg)}]'
        dataset = build_dataset(dataset_cfg, where)
        ids = test_ids(dataset_cfg, dataset)
        infer_cfg = dataset_cfg.get('infer_cfg', {})
        output_column = dataset.reader.output_column
        if not ids:
            raise DatasetError(f"{where}: the test split selects no rows (reader_cfg.test_range="
                               f"{dataset_cfg.get('reader_cfg', {}).get('test_range')!r} of "
                               f'{len(dataset.test)} rows)')
        dataset.check_test_columns(ids, where, need_output=False)

        journal = Journal(journal_file(out_path), fp, label=dataset_abbr(dataset_cfg))
        # samples an API failed on are retried when the task is run again
        done = {k: r for k, r in journal.load().items() if not r.get('failed')}
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
        lost = [i for i in ids if str(i) not in done]
        if lost:  # never write a partial file that would read as complete
            raise TaskError(f'{where}: the inferencer returned no prediction for {len(lost)} '
                            f'sample(s) (first: #{lost[0]}); nothing was written')
        ordered = {str(i): done[str(i)] for i in ids}
        check_failures(ordered, f'{model_abbr(model_cfg)}/{dataset_abbr(dataset_cfg)}')
        meta = {'fingerprint': fp, 'components': components,
                'base_fingerprint': infer_fingerprint(model_cfg, dataset_cfg, with_part=False),
                'ids': [ids[0], ids[-1] + 1] if ids else [0, 0], 'samples': len(ids),
                'failed': sum(1 for r in ordered.values() if r.get('failed'))}
        write_with_meta(out_path, ordered, meta)
        journal.remove()
        self.report_progress(total, total, force=True, dataset=dataset_abbr(dataset_cfg))

    @staticmethod
    def _template(infer_cfg: dict[str, Any], key: str, where: str) -> PromptTemplate | None:
        cfg = infer_cfg.get(key)
        return build(cfg, ICL_PROMPT_TEMPLATES, where=f'{where}.infer_cfg.{key}') if cfg else None

    def _samples(self, dataset: BaseDataset, infer_cfg: dict[str, Any], ids: list[int],
                 where: str) -> list[Sample]:
        retriever_cfg = dict(infer_cfg.get('retriever', {'type': 'ZeroRetriever'}))
        retriever = build(retriever_cfg, ICL_RETRIEVERS, where=f'{where}.infer_cfg.retriever',
                          dataset=dataset)
        ice_template = self._template(infer_cfg, 'ice_template', where)
        ice_ids = retriever.retrieve()
        return [Sample(id=str(i), entry=dataset.test[i],
                       ice=retriever.generate_ice(ice_ids[i], ice_template),
                       gold=reference(dataset, i)) for i in ids]


def check_failures(records: dict[str, Any], name: str) -> None:
    """Warn about samples an API model failed on; refuse to write when every sample failed."""
    failed = [r for r in records.values() if r.get('failed')]
    if not failed:
        return
    if len(failed) == len(records):
        raise TaskError(f"{name}: all {len(records)} samples failed; first error: "
                        f"{failed[0].get('error', 'unknown')}")
    get_logger().warning('%s: %d of %d samples failed (recorded with failed=true, counted as '
                         'num_failed in the results); first error: %s', name, len(failed),
                         len(records), failed[0].get('error', 'unknown'))
