"""Loading a ``transformers`` causal LM: the one function every HF model class calls.

Where the weights go and in which dtype is decided by :func:`plan_placement`, a pure function
of the visible GPUs and the config, so the multi-GPU rules are unit-tested on a machine without
GPUs; :func:`load_causal_lm` only carries the plan out.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ..errors import ModelError
from .hf_hub import resolve_model_path

DTYPES = ('auto', 'float32', 'float16', 'bfloat16', 'float64')
DTYPE_ALIASES = {'float': 'float32', 'half': 'float16', 'bf16': 'bfloat16', 'fp16': 'float16',
                 'fp32': 'float32', 'double': 'float64'}


@dataclass(frozen=True)
class Placement:
    """``device_map`` for ``from_pretrained`` (None: load, then move to ``device``) and dtype."""

    device_map: Any
    device: str
    dtype: str


def dtype_name(value: Any) -> str | None:
    """``'torch.bfloat16'``, ``'bf16'``, ``torch.bfloat16`` -> ``'bfloat16'``; None stays None."""
    if value is None:
        return None
    name = str(value).strip()
    name = name[len('torch.'):] if name.startswith('torch.') else name
    name = DTYPE_ALIASES.get(name, name)
    if name not in DTYPES:
        raise ModelError(f"model_kwargs.torch_dtype: unknown dtype {value!r} (use one of "
                         f"{', '.join(DTYPES)}, optionally prefixed with 'torch.')")
    return name


def plan_placement(visible_gpus: int, bf16_supported: bool, model_kwargs: dict[str, Any]) -> Placement:
    """Where the model goes, given the GPUs this task sees (``CUDA_VISIBLE_DEVICES``).

    * no GPU: the CPU, in the checkpoint's dtype (``auto``) unless the config names one;
    * one GPU: ``cuda``;
    * several GPUs (``run_cfg.num_gpus > 1``: the runner made exactly those visible):
      ``device_map='auto'`` spreads the layers over all of them;
    * on a GPU the default dtype is bfloat16 where supported, else float16;
    * ``model_kwargs`` win: ``device_map`` and ``torch_dtype``/``dtype`` are taken as given.
    """
    asked = dtype_name(model_kwargs.get('torch_dtype', model_kwargs.get('dtype')))
    if visible_gpus <= 0:
        return Placement(model_kwargs.get('device_map'), 'cpu', asked or 'auto')
    dtype = asked or ('bfloat16' if bf16_supported else 'float16')
    if 'device_map' in model_kwargs:
        return Placement(model_kwargs['device_map'], 'cuda', dtype)
    return Placement('auto' if visible_gpus > 1 else None, 'cuda', dtype)


@dataclass
class Loaded:
    """What :func:`load_causal_lm` returns: model (eval mode), tokenizer, input device."""

    model: Any
    tokenizer: Any
    device: str


def load_tokenizer(path: str, tokenizer_path: str | None = None, revision: str | None = None,
                   tokenizer_kwargs: dict[str, Any] | None = None, gguf_file: str | None = None,
                   pad_token_id: int | None = None) -> Any:
    """The tokenizer of a model (``tokenizer_path`` if given), with a pad token set."""
    os.environ.setdefault('HF_HUB_OFFLINE', '1')  # we resolve ids ourselves; never a hub call
    os.environ.setdefault('TRANSFORMERS_OFFLINE', '1')
    from transformers import AutoTokenizer
    kwargs: dict[str, Any] = {'local_files_only': True, **(tokenizer_kwargs or {})}
    if tokenizer_path:
        tok_dir = resolve_model_path(tokenizer_path, kwargs.pop('revision', revision), 'tokenizer')
    else:
        tok_dir = resolve_model_path(path, revision, extra_files=[gguf_file] if gguf_file else None)
        if gguf_file:
            kwargs['gguf_file'] = gguf_path(tok_dir, gguf_file)
    try:
        tok = AutoTokenizer.from_pretrained(tok_dir, **kwargs)
    except (OSError, ValueError) as e:
        raise ModelError(f"cannot load the tokenizer of '{tokenizer_path or path}': "
                         f'{str(e).splitlines()[0]}') from e
    if pad_token_id is not None:
        tok.pad_token_id = pad_token_id
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    if tok.pad_token_id is None:
        raise ModelError(f"model '{path}': the tokenizer has neither a pad nor an eos token; "
                         'set pad_token_id in the model config')
    return tok


def gguf_path(model_dir: str, gguf_file: str) -> str:
    found = gguf_file if os.path.isabs(gguf_file) else os.path.join(model_dir, gguf_file)
    if not os.path.isfile(found):
        raise ModelError(f"gguf_file '{found}' does not exist")
    return found


def load_causal_lm(path: str, tokenizer_path: str | None = None, revision: str | None = None,
                   tokenizer_kwargs: dict[str, Any] | None = None,
                   model_kwargs: dict[str, Any] | None = None, gguf_file: str | None = None,
                   peft_path: str | None = None, peft_kwargs: dict[str, Any] | None = None,
                   pad_token_id: int | None = None) -> Loaded:
    """Tokenizer + model (+ LoRA adapter), placed by :func:`plan_placement`."""
    tok = load_tokenizer(path, tokenizer_path, revision, tokenizer_kwargs, gguf_file, pad_token_id)
    import torch
    from transformers import AutoModelForCausalLM
    mk = dict(model_kwargs or {})
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    bf16 = bool(gpus) and torch.cuda.is_bf16_supported()
    plan = plan_placement(gpus, bf16, mk)
    mk.pop('torch_dtype', None)
    mk.pop('device_map', None)
    mk['dtype'] = plan.dtype if plan.dtype == 'auto' else getattr(torch, plan.dtype)
    if plan.device_map is not None:
        mk['device_map'] = plan.device_map
    model_dir = resolve_model_path(path, mk.pop('revision', revision),
                                   extra_files=[gguf_file] if gguf_file else None)
    if gguf_file:
        mk['gguf_file'] = gguf_path(model_dir, gguf_file)
    try:
        model = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True, **mk)
    except (OSError, ValueError) as e:
        raise ModelError(f"cannot load model '{path}': {str(e).splitlines()[0]}") from e
    if plan.device_map is None:
        model.to(plan.device)  # type: ignore[arg-type]
    if peft_path:
        model = attach_lora(model, peft_path, peft_kwargs or {})
    model.eval()  # type: ignore[no-untyped-call]
    device = str(model.device) if plan.device_map is not None else plan.device
    return Loaded(model, tok, device)


def attach_lora(model: Any, peft_path: str, peft_kwargs: dict[str, Any]) -> Any:
    """Wrap ``model`` with the adapter at ``peft_path`` (a directory or hub id), as OpenCompass."""
    try:
        from peft import PeftModel
    except ImportError as e:
        raise ModelError("peft_path needs the 'peft' package: pip install peft") from e
    kwargs = dict(peft_kwargs)
    adapter_dir = resolve_model_path(peft_path, kwargs.pop('revision', None), 'adapter')
    try:
        return PeftModel.from_pretrained(model, adapter_dir, is_trainable=False, **kwargs)
    except (OSError, ValueError) as e:
        raise ModelError(f"cannot load the adapter '{peft_path}': {str(e).splitlines()[0]}") from e
