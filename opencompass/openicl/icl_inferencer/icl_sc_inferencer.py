"""``SCInferencer``: self-consistency, ``sc_size`` sampled generations per prompt.

The prediction of a sample is the list of its ``sc_size`` generations; the eval task
postprocesses each one and scores the majority answer (``tasks/self_consistency.py``).

Sampling is reproducible: before a sample's generations the random generators are seeded
from ``seed`` and the sample id alone, and its ``sc_size`` generations are one batch of the
same prompt repeated (so no padding from other prompts), so a sample gets the same
generations whatever the batch size, the order of the samples, or a resume in between.
This holds for transformers models (``HuggingFaceCausalLM`` and its variants). vLLM models
and models behind an HTTP API sample with their own generators: their draws are not fixed
by ``seed`` (an API gets the sampling options of ``generation_kwargs`` that it understands;
``do_sample``/``num_beams``/``num_return_sequences`` are not sent).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ...errors import ConfigError
from ...registry import ICL_INFERENCERS
from ..icl_prompt_template import PromptTemplate
from .icl_base_inferencer import BaseInferencer, OnDone, Sample, token_usage

if TYPE_CHECKING:
    from ...models.base import BaseModel

# sampling options of transformers' generate() that OpenAI-compatible servers do not take
_LOCAL_ONLY = ('do_sample', 'num_beams', 'num_return_sequences')


def sample_seed(seed: int, sample_id: str) -> int:
    """A 31-bit seed of one sample, independent of every other sample."""
    digest = hashlib.sha256(f'{int(seed)}:{sample_id}'.encode()).digest()
    return int.from_bytes(digest[:4], 'big') & 0x7FFFFFFF


@contextmanager
def _sampling(model: Any, kwargs: dict[str, Any]) -> Iterator[None]:
    """The model's ``generation_kwargs`` with ``kwargs`` on top, for the duration."""
    saved = dict(getattr(model, 'generation_kwargs', {}) or {})
    model.generation_kwargs = {**saved, **kwargs}
    try:
        yield
    finally:
        model.generation_kwargs = saved


def _seed_everything(seed: int) -> None:
    import random
    random.seed(seed)
    try:
        import torch
    except ImportError:  # an API-only install: nothing local to seed
        return
    torch.manual_seed(seed)


@ICL_INFERENCERS.register_module()
class SCInferencer(BaseInferencer):
    """``sc_size`` generations per sample with ``generation_kwargs`` (e.g. ``do_sample=True,
    temperature=0.7``); the prediction is their list, voted on by the eval task.

    ``infer_type`` is accepted for OpenCompass's configs (``'sc'``); ``seed`` (default 0) fixes
    the samples drawn.
    """

    def __init__(self, sc_size: int = 1, generation_kwargs: dict[str, Any] | None = None,
                 infer_type: str = '', seed: int = 0,
                 stopping_criteria: list[str] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(sc_size, int) or isinstance(sc_size, bool) or sc_size < 1:
            raise ConfigError(f'SCInferencer.sc_size: expected a positive integer, got {sc_size!r}')
        if generation_kwargs is not None and not isinstance(generation_kwargs, dict):
            raise ConfigError('SCInferencer.generation_kwargs: expected a dict, got '
                              f'{type(generation_kwargs).__name__}')
        self.sc_size = sc_size
        self.generation_kwargs = dict(generation_kwargs or {})
        self.infer_type = infer_type
        self.seed = int(seed)
        self.stopping_criteria = list(stopping_criteria or [])

    def infer(self, model: BaseModel, samples: list[Sample], prompt_template: PromptTemplate | None,
              ice_template: PromptTemplate | None, output_column: str | None,
              on_done: OnDone) -> None:
        template = self.template_for(prompt_template, ice_template)
        max_out_len = self.max_out_len or getattr(model, 'max_out_len', None) or 256
        api = hasattr(model, 'generate_iter_from_template')  # HTTP APIs and vLLM
        kwargs = dict(self.generation_kwargs)
        if getattr(model, 'is_api', False):
            kwargs = {k: v for k, v in kwargs.items() if k not in _LOCAL_ONLY}
        for sample in samples:  # one sample at a time: its draws depend on it alone
            prompt = self.build(template, sample, output_column, gen=True)
            if api:
                outputs = self._api_outputs(model, prompt, max_out_len, kwargs)
            else:
                _seed_everything(sample_seed(self.seed, sample.id))
                with _sampling(model, kwargs):
                    outputs = list(model.generate_from_template(
                        [prompt] * self.sc_size, max_out_len=max_out_len,
                        stopping_criteria=self.stopping_criteria))
            on_done({sample.id: self._record(model, sample, prompt, outputs)})

    def _api_outputs(self, model: Any, prompt: Any, max_out_len: int,
                     kwargs: dict[str, Any]) -> list[Any]:
        outputs: list[Any] = [None] * self.sc_size
        with _sampling(model, kwargs):
            for burst in model.generate_iter_from_template(
                    [prompt] * self.sc_size, max_out_len=max_out_len,
                    stopping_criteria=self.stopping_criteria):
                for i, out in burst:
                    outputs[i] = out
        return outputs

    def _record(self, model: Any, sample: Sample, prompt: Any, outputs: list[Any]) -> dict[str, Any]:
        texts: list[str] = []
        usage = {'prompt_tokens': 0, 'completion_tokens': 0}
        counted = 0
        failures = []
        local_usage = token_usage(model, len(outputs))
        for out, used in zip(outputs, local_usage):
            if isinstance(out, dict):  # API models: {'prediction', 'usage'} or a failure
                if out.get('failed'):
                    failures.append(str(out.get('error', 'failed')))
                texts.append(str(out.get('prediction') or ''))
                used = out.get('usage') or used
            else:
                texts.append('' if out is None else str(out))
            if isinstance(used, dict):
                counted += 1
                for k in usage:
                    usage[k] += int(used.get(k) or 0)
        record: dict[str, Any] = {'origin_prompt': model.render_prompt(prompt), 'prediction': texts,
                                  'gold': sample.gold}
        if counted:
            record['usage'] = usage
        if failures and len(failures) == len(outputs):  # nothing to vote on: retried on -r
            record.update(failed=True, error=failures[0])
        return record
