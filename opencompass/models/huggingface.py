"""Local ``transformers`` models: ``HuggingFaceCausalLM`` and the chat-template variant.

torch and transformers are imported when a model is *built*, never at import
time, so configs can name these classes without paying for torch. Loading (hub ids,
devices, dtype, LoRA) is ``hf_load.load_causal_lm``; the hub is contacted only when
``HF_HUB_OFFLINE=0`` (see ``hf_hub``).
"""
from __future__ import annotations

from typing import Any

from ..registry import MODELS
from .base import BaseModel, truncate_at_stop
from .hf_hub import PACKAGE_PREFIX, resolve_model_path  # noqa: F401 - re-exported
from .hf_load import load_causal_lm
from .template import ChatTemplateMixin


@MODELS.register_module()
class HuggingFaceCausalLM(BaseModel):
    """A causal LM via transformers: local directory, ``gguf_file``, ``pypkg:`` or hub id.

    With ``run_cfg.num_gpus > 1`` it spreads over the task's GPUs (see ``hf_load.plan_placement``);
    ``peft_path`` adds a LoRA adapter.

    ``last_usage`` holds the token counts of the last ``generate`` / ``get_ppl`` call, one
    ``{'prompt_tokens', 'completion_tokens'}`` per input, counted with the model's tokenizer
    (prompt tokens the model read after truncation; generated tokens without padding/eos).
    """

    last_usage: list[dict[str, int]] | None = None

    def __init__(self, path: str, tokenizer_path: str | None = None,
                 tokenizer_kwargs: dict[str, Any] | None = None,
                 model_kwargs: dict[str, Any] | None = None,
                 gguf_file: str | None = None, torch_threads: int | None = None,
                 pad_token_id: int | None = None, revision: str | None = None,
                 peft_path: str | None = None, peft_kwargs: dict[str, Any] | None = None,
                 **kwargs: Any):
        super().__init__(path=path, **kwargs)
        import torch
        if torch_threads:
            torch.set_num_threads(int(torch_threads))
        self.torch = torch
        loaded = load_causal_lm(path, tokenizer_path=tokenizer_path, revision=revision,
                                tokenizer_kwargs=tokenizer_kwargs, model_kwargs=model_kwargs,
                                gguf_file=gguf_file, peft_path=peft_path, peft_kwargs=peft_kwargs,
                                pad_token_id=pad_token_id)
        self.model, self.tokenizer, self.device = loaded.model, loaded.tokenizer, loaded.device

    # -- generation ----------------------------------------------------------------
    def generate(self, inputs: list[str], max_out_len: int,
                 stop_words: list[str] | None = None) -> list[str]:
        torch = self.torch
        tok = self.tokenizer
        tok.padding_side = 'left'
        tok.truncation_side = 'left'  # a long prompt keeps its end: the question
        room = max(1, self.max_seq_len - max_out_len)
        enc = tok(inputs, return_tensors='pt', padding=True, add_special_tokens=self.add_bos,
                  truncation=True, max_length=room)
        enc = {k: v.to(self.device) for k, v in enc.items()}
        kwargs: dict[str, Any] = {'max_new_tokens': max_out_len, 'do_sample': False,
                                  'pad_token_id': tok.pad_token_id, **self.generation_kwargs}
        if stop_words:
            kwargs.update(stop_strings=list(stop_words), tokenizer=tok)
        with torch.no_grad():
            out = self.model.generate(**enc, **kwargs)
        new = out[:, enc['input_ids'].shape[1]:]
        ends = {tok.pad_token_id, tok.eos_token_id}
        self.last_usage = [{'prompt_tokens': int(mask.sum()),
                            'completion_tokens': sum(int(t) not in ends for t in row)}
                           for mask, row in zip(enc['attention_mask'], new.tolist())]
        texts = tok.batch_decode(new, skip_special_tokens=True)
        return [truncate_at_stop(t, stop_words or []) for t in texts]

    @property
    def add_bos(self) -> bool:
        return bool(getattr(self.tokenizer, 'add_bos_token', True))

    # -- loglikelihood -------------------------------------------------------------
    def get_ppl(self, inputs: list[str]) -> list[float]:
        """Mean token cross-entropy of each text (lower is more likely)."""
        torch = self.torch
        tok = self.tokenizer
        tok.padding_side = 'right'
        tok.truncation_side = 'left'  # the scored continuation is at the end
        enc = tok(inputs, return_tensors='pt', padding=True, truncation=True,
                  max_length=self.max_seq_len, add_special_tokens=self.add_bos)
        enc = {k: v.to(self.device) for k, v in enc.items()}
        self.last_usage = [{'prompt_tokens': int(mask.sum()), 'completion_tokens': 0}
                           for mask in enc['attention_mask']]
        with torch.no_grad():
            logits = self.model(**enc).logits.float()
        shift_logits = logits[:, :-1, :]
        labels = enc['input_ids'][:, 1:]
        mask = enc['attention_mask'][:, 1:].float()
        loss = torch.nn.functional.cross_entropy(shift_logits.transpose(1, 2), labels,
                                                 reduction='none')
        per_text = (loss * mask).sum(1) / mask.sum(1).clamp(min=1)
        return [float(x) for x in per_text.tolist()]


HuggingFace = MODELS.register_module('HuggingFace')(HuggingFaceCausalLM)


@MODELS.register_module()
class HuggingFacewithChatTemplate(ChatTemplateMixin, HuggingFaceCausalLM):
    """A chat model: prompts become messages rendered by the tokenizer's chat template."""

    def __init__(self, path: str, system_prompt: str | None = None, **kwargs: Any):
        super().__init__(path=path, **kwargs)
        self.system_prompt = system_prompt
        self.require_chat_template(path, 'HuggingFaceCausalLM')
