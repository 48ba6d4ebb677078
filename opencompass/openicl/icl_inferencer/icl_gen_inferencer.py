"""``GenInferencer``: greedy generation, one prediction string per sample."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...registry import ICL_INFERENCERS
from ..icl_prompt_template import PromptTemplate
from .icl_base_inferencer import BaseInferencer, OnDone, Sample, token_usage

if TYPE_CHECKING:
    from ...models.base import BaseModel


@ICL_INFERENCERS.register_module()
class GenInferencer(BaseInferencer):
    """Generate up to ``max_out_len`` tokens, stopping at ``stopping_criteria``."""

    def __init__(self, stopping_criteria: list[str] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.stopping_criteria = list(stopping_criteria or [])

    def infer(self, model: BaseModel, samples: list[Sample], prompt_template: PromptTemplate | None,
              ice_template: PromptTemplate | None, output_column: str | None,
              on_done: OnDone) -> None:
        template = self.template_for(prompt_template, ice_template)
        max_out_len = self.max_out_len or getattr(model, 'max_out_len', None) or 256
        if hasattr(model, 'generate_iter_from_template'):
            # API models: a sliding window of requests; journal answers as they arrive
            prompts = [self.build(template, s, output_column, gen=True) for s in samples]
            for burst in model.generate_iter_from_template(
                    prompts, max_out_len=max_out_len, stopping_criteria=self.stopping_criteria):
                records = {}
                for i, out in burst:
                    records[samples[i].id] = {'origin_prompt': model.render_prompt(prompts[i]),
                                              'prediction': out, 'gold': samples[i].gold}
                    if isinstance(out, dict):
                        records[samples[i].id].update(out)
                on_done(records)
            return
        for batch in self.batches(model, samples):
            prompts = [self.build(template, s, output_column, gen=True) for s in batch]
            outputs = model.generate_from_template(prompts, max_out_len=max_out_len,
                                                   stopping_criteria=self.stopping_criteria)
            usage = token_usage(model, len(batch))
            records = {}
            for s, prompt, out, used in zip(batch, prompts, outputs, usage):
                record = {'origin_prompt': model.render_prompt(prompt), 'prediction': out,
                          'gold': s.gold}
                if used:  # local models count tokens with their tokenizer
                    record['usage'] = used
                if isinstance(out, dict):  # API models may report a failure per sample
                    record.update(out)
                records[s.id] = record
            on_done(records)
