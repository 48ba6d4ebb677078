"""The vLLM backend: ``VLLM`` (base models) and ``VLLMwithChatTemplate``, OpenCompass's arguments.

* Prompts are tokenized here with the model's tokenizer exactly as the ``transformers`` backend
  does (same special tokens, same truncation), and handed to vLLM as token ids; generated ids
  are decoded here too, so both backends give the same text for the same tokens.
* Generation is greedy unless ``generation_kwargs`` sample; stop words end the text.
* ``get_ppl`` is the mean negative log-likelihood of tokens 2..n from vLLM's prompt logprobs:
  the same quantity as ``HuggingFaceCausalLM.get_ppl``.
* All prompts of a call go to the engine at once; ``*_iter_from_template`` yield finished
  samples in bursts so the task journals them while the engine runs (see docs/vllm.md).
* The engine is created once per model object; the worker's model cache keeps the object, so
  a worker's parts of the same model reuse it. ``tensor_parallel_size`` defaults to
  ``run_cfg.num_gpus``.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import ModelError
from ..openicl.icl_prompt_template import Prompt
from ..registry import MODELS
from ..utils.logging import get_logger
from .base import BaseModel, truncate_at_stop
from .hf_hub import resolve_model_path
from .hf_load import dtype_name, load_tokenizer
from .template import ChatTemplateMixin
from .vllm_engine import create_engine, engine_kwargs, make_sampling_params, sampling_kwargs, stream

Burst = list[tuple[int, Any]]


@MODELS.register_module()
class VLLM(BaseModel):
    """A causal LM served by a vLLM engine in this process (``pip install '.[vllm]'``)."""

    def __init__(self, path: str, max_seq_len: int = 2048, model_kwargs: dict[str, Any] | None = None,
                 generation_kwargs: dict[str, Any] | None = None, tokenizer_path: str | None = None,
                 tokenizer_kwargs: dict[str, Any] | None = None, revision: str | None = None,
                 lora_path: str | None = None, mode: str = 'none',
                 use_fastchat_template: bool = False, end_str: str | None = None, **kwargs: Any):
        super().__init__(path=path, max_seq_len=max_seq_len, generation_kwargs=generation_kwargs,
                         **kwargs)
        if mode != 'none' or use_fastchat_template:
            raise ModelError(f"model '{path}': VLLM mode={mode!r}/use_fastchat_template are not "
                             'supported; use VLLMwithChatTemplate for chat models')
        self.end_str = end_str
        mk = dict(model_kwargs or {})
        if 'dtype' in mk or 'torch_dtype' in mk:
            mk['dtype'] = dtype_name(mk.pop('torch_dtype', mk.get('dtype')))
        revision = mk.pop('revision', revision)
        self.tokenizer = load_tokenizer(path, tokenizer_path, revision, tokenizer_kwargs)
        model_dir = resolve_model_path(path, revision)
        tok_dir = resolve_model_path(tokenizer_path, None, 'tokenizer') if tokenizer_path else None
        num_gpus = int(self.run_cfg.get('num_gpus', 1) or 1)
        self.engine_args = engine_kwargs(model_dir, tok_dir, max_seq_len, num_gpus, mk)
        self.lora_request: Any = None
        if lora_path:
            from vllm.lora.request import LoRARequest
            self.engine_args['enable_lora'] = True
            self.lora_request = LoRARequest('adapter', 1, resolve_model_path(lora_path, None,
                                                                             'adapter'))
        get_logger().info('creating the vLLM engine for %s (%s)', path,
                          ', '.join(f'{k}={v}' for k, v in sorted(self.engine_args.items())
                                    if k != 'model'))
        self.llm = create_engine(self.engine_args)
        self.last_usage: list[dict[str, int]] | None = None  # of the last generate/get_ppl

    def close(self) -> None:
        """Stop the engine's processes (the worker calls this before loading another model)."""
        core = getattr(getattr(self.llm, 'llm_engine', None), 'engine_core', None)
        if core is not None and hasattr(core, 'shutdown'):
            core.shutdown()

    # -- tokens --------------------------------------------------------------------
    @property
    def add_bos(self) -> bool:
        return bool(getattr(self.tokenizer, 'add_bos_token', True))

    def _tokens(self, texts: list[str], room: int) -> list[dict[str, Any]]:
        """Token-id prompts, tokenized in one batch call as the transformers backend does."""
        if not texts:
            return []
        self.tokenizer.truncation_side = 'left'  # as the transformers backend: keep the end
        ids = self.tokenizer(texts, add_special_tokens=self.add_bos, truncation=True,
                             max_length=max(1, room))['input_ids']
        return [{'prompt_token_ids': list(row)} for row in ids]

    def _records(self, burst: Burst, stop_words: list[str]) -> list[tuple[int, dict[str, Any]]]:
        """The record fields of finished requests: prediction and token usage."""
        ids = [list(out.outputs[0].token_ids) for _, out in burst]
        texts = self.tokenizer.batch_decode(ids, skip_special_tokens=True)
        ends = {self.tokenizer.pad_token_id, self.tokenizer.eos_token_id}
        found = []
        for (i, out), row, text in zip(burst, ids, texts):
            text = truncate_at_stop(str(text), stop_words)
            found.append((i, {'prediction': text.split(self.end_str)[0] if self.end_str else text,
                              'usage': {'prompt_tokens': len(out.prompt_token_ids or []),
                                        'completion_tokens': sum(int(t) not in ends for t in row)}}))
        return found

    # -- generation ----------------------------------------------------------------
    def generate_iter(self, inputs: list[str], max_out_len: int, stop_words: list[str] | None = None
                      ) -> Iterator[list[tuple[int, dict[str, Any]]]]:
        """Bursts of ``(input index, {'prediction', 'usage'})`` as the engine finishes them."""
        stops = list(stop_words or [])
        kwargs = {'max_tokens': max_out_len, **sampling_kwargs(self.generation_kwargs)}
        if stops:
            kwargs['stop'] = list(dict.fromkeys(list(kwargs.get('stop') or []) + stops))
        params = make_sampling_params(kwargs)
        room = self.max_seq_len - max_out_len
        prompts = self._tokens(inputs, room)
        for burst in stream(self.llm, prompts, params, self.lora_request):
            yield self._records(burst, stops)

    def generate(self, inputs: list[str], max_out_len: int,
                 stop_words: list[str] | None = None) -> list[str]:
        found: dict[int, dict[str, Any]] = {}
        for burst in self.generate_iter(inputs, max_out_len, stop_words):
            found.update(burst)
        self.last_usage = [found[i]['usage'] for i in range(len(inputs))]
        return [str(found[i]['prediction']) for i in range(len(inputs))]

    def generate_iter_from_template(self, prompts: list[Prompt], max_out_len: int,
                                    stopping_criteria: list[str] | None = None
                                    ) -> Iterator[list[tuple[int, dict[str, Any]]]]:
        """What ``GenInferencer`` streams: every prompt at once, finished ones as they come
        (each output a dict of record fields, as API models give)."""
        rendered = [self.render_prompt(p, gen=True) for p in prompts]
        stops = list(dict.fromkeys(self.stop_words + list(stopping_criteria or [])))
        return self.generate_iter(rendered, max_out_len, stops)

    # -- loglikelihood -------------------------------------------------------------
    def get_ppl_iter(self, inputs: list[str]) -> Iterator[list[tuple[int, float, dict[str, int]]]]:
        """Bursts of ``(input index, mean token loss, usage)``; the loss is HuggingFaceCausalLM's."""
        params = make_sampling_params({'max_tokens': 1, 'prompt_logprobs': 0, 'temperature': 0.0})
        # the engine must also fit the one token it generates after the prompt
        prompts = self._tokens(inputs, self.max_seq_len - 1)
        for burst in stream(self.llm, prompts, params, self.lora_request):
            yield [(i, mean_loss(prompts[i]['prompt_token_ids'], out.prompt_logprobs),
                    {'prompt_tokens': len(prompts[i]['prompt_token_ids']), 'completion_tokens': 0})
                   for i, out in burst]

    def get_ppl(self, inputs: list[str]) -> list[float]:
        found: dict[int, tuple[float, dict[str, int]]] = {}
        for burst in self.get_ppl_iter(inputs):
            found.update({i: (loss, used) for i, loss, used in burst})
        self.last_usage = [found[i][1] for i in range(len(inputs))]
        return [found[i][0] for i in range(len(inputs))]

    def get_ppl_iter_from_template(self, prompts: list[Prompt]
                                   ) -> Iterator[list[tuple[int, float, dict[str, int]]]]:
        """What ``PPLInferencer`` streams: every label prompt at once."""
        return self.get_ppl_iter([self.render_prompt(p, gen=False) for p in prompts])


def mean_loss(token_ids: list[int], prompt_logprobs: Any) -> float:
    """Mean of ``-log p(token_j | tokens_<j)`` over j >= 1 (0.0 for a one-token text)."""
    if len(token_ids) < 2:
        return 0.0
    total = 0.0
    for j in range(1, len(token_ids)):
        entry = prompt_logprobs[j]
        total -= float(entry[token_ids[j]].logprob)
    return total / (len(token_ids) - 1)


@MODELS.register_module()
class VLLMwithChatTemplate(ChatTemplateMixin, VLLM):
    """A chat model on vLLM: prompts rendered by the tokenizer's chat template."""

    def __init__(self, path: str, system_prompt: str | None = None, **kwargs: Any):
        self.system_prompt = system_prompt
        super().__init__(path=path, **kwargs)
        self.require_chat_template(path, 'VLLM')
