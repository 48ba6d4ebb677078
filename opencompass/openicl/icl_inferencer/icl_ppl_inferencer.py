"""``PPLInferencer``: score every label's prompt, predict the least perplexing label."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import ConfigError
from ...registry import ICL_INFERENCERS
from ..icl_prompt_template import PromptTemplate
from .icl_base_inferencer import BaseInferencer, OnDone, Sample, token_usage


def warn_if_references_are_not_labels(samples: list[Sample], labels: list[Any]) -> None:
    """Say so when no reference is one of the template's labels: every prediction would be
    scored wrong (e.g. a template keyed 0-3 over letter labels; OpenCompass's
    ``HellaswagDataset`` gives 0-3, ``HellaswagDataset_V2`` A-D)."""
    golds = [str(s.gold).strip() for s in samples if s.gold is not None]
    keys = {str(label).strip() for label in labels}
    if golds and keys and not keys.intersection(golds):
        from ...utils.logging import get_logger
        get_logger().warning('none of the %d references (e.g. %r) is a label of the PPL template '
                             '(%s): predictions are template labels, so all would be scored '
                             'wrong unless a dataset_postprocessor maps the references; check '
                             'the dataset type and the template keys', len(golds), golds[0],
                             ', '.join(sorted(keys)))

if TYPE_CHECKING:
    from ...models.base import BaseModel


@ICL_INFERENCERS.register_module()
class PPLInferencer(BaseInferencer):
    """For each sample and each label, the mean token loss of the filled template."""

    def __init__(self, labels: list[Any] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.labels = labels

    def infer(self, model: BaseModel, samples: list[Sample], prompt_template: PromptTemplate | None,
              ice_template: PromptTemplate | None, output_column: str | None,
              on_done: OnDone) -> None:
        template = self.template_for(prompt_template, ice_template)
        labels = self.labels or template.labels
        warn_if_references_are_not_labels(samples, labels or [])
        if not labels:
            raise ConfigError('infer_cfg.prompt_template: PPLInferencer needs a template per '
                              'label (a dict from each label to its template)')
        if hasattr(model, 'get_ppl_iter_from_template'):
            self._infer_streaming(model, samples, template, labels, output_column, on_done)
            return
        for batch in self.batches(model, samples):
            prompts = [self.build(template, s, output_column, label=lab)
                       for s in batch for lab in labels]
            losses = model.get_ppl_from_template(prompts)
            usage = token_usage(model, len(prompts))
            n = len(labels)
            on_done({s.id: self._record(model, s, labels, prompts[i * n:(i + 1) * n],
                                        losses[i * n:(i + 1) * n], usage[i * n:(i + 1) * n])
                     for i, s in enumerate(batch)})

    def _infer_streaming(self, model: Any, samples: list[Sample], template: Any, labels: list[Any],
                         output_column: str | None, on_done: OnDone) -> None:
        """Engines that schedule themselves (vLLM): every label prompt of every sample at once,
        bursts of ``(prompt index, loss, usage)`` back; a sample is reported as soon as all its
        labels are scored."""
        n = len(labels)
        prompts = [self.build(template, s, output_column, label=lab) for s in samples for lab in labels]
        losses: dict[int, float] = {}
        usage: dict[int, dict[str, int] | None] = {}
        for burst in model.get_ppl_iter_from_template(prompts):
            for k, loss, used in burst:
                losses[k], usage[k] = loss, used
            ready = {k // n for k, _, _ in burst if all(k // n * n + j in losses for j in range(n))}
            on_done({samples[i].id: self._record(model, samples[i], labels, prompts[i * n:(i + 1) * n],
                                                 [losses[i * n + j] for j in range(n)],
                                                 [usage[i * n + j] for j in range(n)])
                     for i in sorted(ready)})

    @staticmethod
    def _record(model: Any, sample: Sample, labels: list[Any], prompts: list[Any], mine: list[float],
                mine_usage: list[dict[str, int] | None]) -> dict[str, Any]:
        best = min(range(len(labels)), key=lambda j: mine[j])
        record = {'origin_prompt': {str(lab): model.render_prompt(p) for lab, p in zip(labels, prompts)},
                  'ppl': {str(lab): float(v) for lab, v in zip(labels, mine)},
                  'prediction': labels[best], 'gold': sample.gold}
        if all(mine_usage):  # every label's text was read: their tokens add up
            record['usage'] = {k: sum(u[k] for u in mine_usage if u)
                               for k in ('prompt_tokens', 'completion_tokens')}
        return record
