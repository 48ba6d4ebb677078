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
        for batch in self.batches(model, samples):
            prompts = [self.build(template, s, output_column, label=lab)
                       for s in batch for lab in labels]
            losses = model.get_ppl_from_template(prompts)
            usage = token_usage(model, len(prompts))
            records = {}
            for i, s in enumerate(batch):
                mine = losses[i * len(labels):(i + 1) * len(labels)]
                best = min(range(len(labels)), key=lambda j: mine[j])
                records[s.id] = {
                    'origin_prompt': {str(lab): model.render_prompt(p) for lab, p in
                                      zip(labels, prompts[i * len(labels):(i + 1) * len(labels)])},
                    'ppl': {str(lab): float(v) for lab, v in zip(labels, mine)},
                    'prediction': labels[best],
                    'gold': s.gold,
                }
                mine_usage = usage[i * len(labels):(i + 1) * len(labels)]
                if all(mine_usage):  # every label's text was read: their tokens add up
                    records[s.id]['usage'] = {
                        k: sum(u[k] for u in mine_usage if u)
                        for k in ('prompt_tokens', 'completion_tokens')}
            on_done(records)
