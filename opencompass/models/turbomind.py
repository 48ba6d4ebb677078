"""OpenCompass's lmdeploy model configs (``TurboMindModel``, ``TurboMindModelwithChatTemplate``).

lmdeploy (TurboMind) needs CUDA and is not a backend here. A TurboMind config names a model
(``path``: hub id or directory) that our own backends run: vLLM when the ``vllm`` package is
importable, else transformers. The config is rewritten at plan time, before validation, as
``-a vllm`` does (pure dict work, no torch/vllm import); the abbr stays, so results sit where
OpenCompass puts them. Building one of these classes directly builds the backend model the same way.

Greedy unless ``gen_config`` samples (``do_sample=True`` with ``top_k != 1`` and a temperature
above 1e-5), as OpenCompass asks lmdeploy >= 0.6 for; see docs/models.md for the full mapping.
"""
from __future__ import annotations

import importlib.util
from typing import Any

from ..registry import MODELS
from ..utils.logging import get_logger
from ..utils.serialize import short_type
from .base import BaseModel

CHAT, BASE = 'TurboMindModelwithChatTemplate', 'TurboMindModel'
# config keys that mean the same to our backends
KEPT = ('abbr', 'path', 'max_out_len', 'batch_size', 'run_cfg', 'stop_words', 'pred_postprocessor',
        'summarizer_abbr', 'tokenizer_only')
ENGINE_KEYS = ('tp', 'session_len', 'max_batch_size', 'dtype')  # engine_config keys we map
GEN_KEYS = ('top_k', 'top_p', 'temperature', 'do_sample', 'repetition_penalty', 'min_new_tokens',
            'stop_words', 'max_new_tokens')  # max_new_tokens: max_out_len wins, as in OpenCompass
SILENT = ('type', 'engine_config', 'gen_config', 'max_seq_len', 'meta_template', 'backend')


def vllm_installed() -> bool:
    """Whether the vLLM backend can run here (found without importing it)."""
    return importlib.util.find_spec('vllm') is not None


def is_turbomind(model: Any) -> bool:
    return isinstance(model, dict) and short_type(model.get('type', '')) in (CHAT, BASE)


def gen_kwargs(gen_config: dict[str, Any]) -> dict[str, Any]:
    """transformers-style ``generation_kwargs`` (both backends take them) from ``gen_config``."""
    out: dict[str, Any] = {}
    top_k = gen_config.get('top_k')
    temperature = gen_config.get('temperature')
    greedy = (not gen_config.get('do_sample') or top_k == 1
              or (temperature is not None and float(temperature) <= 1e-5))
    if not greedy:
        out['do_sample'] = True
        out.update({k: gen_config[k] for k in ('top_k', 'top_p', 'temperature')
                    if gen_config.get(k) is not None})
    for key in ('repetition_penalty', 'min_new_tokens'):
        if gen_config.get(key) is not None:
            out[key] = gen_config[key]
    return out


def to_backend(model: dict[str, Any], use_vllm: bool) -> tuple[dict[str, Any], list[str]]:
    """One TurboMind config as a vLLM or transformers one, and the settings that were ignored."""
    chat = short_type(model['type']) == CHAT
    engine = dict(model.get('engine_config') or {})
    gen = dict(model.get('gen_config') or {})
    if use_vllm:
        target = 'vllm.VLLMwithChatTemplate' if chat else 'vllm.VLLM'
    else:  # HuggingFaceCausalLM takes meta_template (HuggingFaceBaseModel ignores it)
        target = 'huggingface.HuggingFacewithChatTemplate' if chat else 'huggingface.HuggingFaceCausalLM'
    out: dict[str, Any] = {'type': f'opencompass.models.{target}'}
    out.update({k: model[k] for k in KEPT if model.get(k) is not None})
    if not chat and model.get('meta_template'):
        out['meta_template'] = model['meta_template']
    seq_len = engine.get('session_len') or model.get('max_seq_len')
    if seq_len:
        out['max_seq_len'] = int(seq_len)
    run_cfg = dict(out.get('run_cfg') or {})
    if engine.get('tp') and 'num_gpus' not in run_cfg:
        run_cfg['num_gpus'] = int(engine['tp'])
    if run_cfg:
        out['run_cfg'] = run_cfg
    if engine.get('max_batch_size') and 'batch_size' not in out:
        out['batch_size'] = int(engine['max_batch_size'])
    stops = list(out.get('stop_words') or []) + [s for s in gen.get('stop_words') or []
                                                 if isinstance(s, str)]
    if stops:
        out['stop_words'] = list(dict.fromkeys(stops))
    kwargs = gen_kwargs(gen)
    if kwargs:
        out['generation_kwargs'] = kwargs
    model_kwargs: dict[str, Any] = {}
    dtype = engine.get('dtype')
    if dtype and dtype != 'auto':
        model_kwargs['dtype' if use_vllm else 'torch_dtype'] = dtype
    if use_vllm:
        if engine.get('tp'):
            model_kwargs['tensor_parallel_size'] = int(engine['tp'])
        if engine.get('max_batch_size'):
            model_kwargs['max_num_seqs'] = int(engine['max_batch_size'])
        if not chat and model.get('end_str'):
            out['end_str'] = model['end_str']
    if model_kwargs:
        out['model_kwargs'] = model_kwargs
    ignored = [f'engine_config.{k}' for k in engine if k not in ENGINE_KEYS]
    ignored += [f'gen_config.{k}' for k in gen if k not in GEN_KEYS]
    ignored += [k for k in model if k not in KEPT + SILENT and model.get(k) not in (None, False)
                and not (k == 'end_str' and use_vllm and not chat)]
    return out, ignored


def resolve_turbomind(models: list[Any]) -> list[Any]:
    """The run's models with every TurboMind config turned into one of our backends; one line each
    says which backend runs it (and which lmdeploy-only settings are ignored)."""
    if not any(is_turbomind(m) for m in models):
        return models
    use_vllm = vllm_installed()
    out = []
    for model in models:
        if not is_turbomind(model):
            out.append(model)
            continue
        new, ignored = to_backend(model, use_vllm)
        where = f"models[{model.get('abbr') or model.get('path')}]"
        backend = 'vLLM' if use_vllm else 'transformers (install .[vllm] for vLLM)'
        extra = f"; ignored lmdeploy-only settings: {', '.join(ignored)}" if ignored else ''
        get_logger().info('%s: lmdeploy is not used here; running on %s%s', where, backend, extra)
        out.append(new)
    return out


class _TurboMindBase(BaseModel):
    """Building one builds the vLLM or transformers model the config maps to (see module doc)."""

    _kind = BASE

    def __new__(cls, path: str, **kwargs: Any) -> Any:
        from ..registry import build
        cfg, _ = to_backend({'type': cls._kind, 'path': path, **kwargs}, vllm_installed())
        return build(cfg, MODELS, where=f"models[{kwargs.get('abbr') or path}]")

    def generate(self, inputs: list[Any], max_out_len: int,
                 stop_words: list[str] | None = None) -> list[Any]:
        raise NotImplementedError  # never reached: __new__ returns the backend model


@MODELS.register_module()
class TurboMindModel(_TurboMindBase):
    """OpenCompass's lmdeploy base model, run on vLLM or transformers (``meta_template`` kept)."""

    _kind = BASE


@MODELS.register_module()
class TurboMindModelwithChatTemplate(_TurboMindBase):
    """OpenCompass's lmdeploy chat model, run on vLLM or transformers with the chat template."""

    _kind = CHAT

