"""``-a vllm``: turn the ``transformers`` model configs of a run into vLLM ones, as OpenCompass does
(``-a lmdeploy``: see ``to_lmdeploy``).

Pure dict work (no vllm import): ``HuggingFaceCausalLM``/``HuggingFace``/``HuggingFaceBaseModel``
become ``VLLM`` and ``HuggingFacewithChatTemplate`` becomes ``VLLMwithChatTemplate``; other models
are left alone. The abbr gets ``-vllm`` (``-hf`` in it becomes ``-vllm``), so results of both
backends can sit in one work dir.
"""
from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from ..utils.logging import get_logger
from ..utils.serialize import short_type

BASE_TYPES = ('HuggingFaceCausalLM', 'HuggingFace', 'HuggingFaceBaseModel')
CHAT_TYPES = ('HuggingFacewithChatTemplate',)
ACCELERATORS = ('vllm', 'lmdeploy')
# keys that mean the same to both backends
KEPT = ('path', 'tokenizer_path', 'tokenizer_kwargs', 'revision', 'max_seq_len', 'max_out_len',
        'batch_size', 'meta_template', 'stop_words', 'run_cfg', 'generation_kwargs', 'end_str',
        'system_prompt', 'pad_token_id', 'pred_postprocessor', 'min_out_len', 'summarizer_abbr')
# model_kwargs of transformers that vllm.LLM also takes (dtype under its vLLM name)
MODEL_KWARGS = {'torch_dtype': 'dtype', 'dtype': 'dtype', 'trust_remote_code': 'trust_remote_code',
                'revision': 'revision'}


def change_accelerator(models: list[dict[str, Any]], accelerator: str) -> list[dict[str, Any]]:
    """The run's models with every ``transformers`` one turned into its ``accelerator`` twin."""
    if accelerator not in ACCELERATORS:
        raise ConfigError(f"-a {accelerator}: unknown accelerator (this tool supports: "
                          f"{', '.join(ACCELERATORS)})")
    if accelerator == 'lmdeploy':
        return [to_lmdeploy(m) for m in models]
    return [to_vllm(m) for m in models]


def to_lmdeploy(model: dict[str, Any]) -> dict[str, Any]:
    """``-a lmdeploy``: lmdeploy is not a backend here (docs/models.md), so a transformers model
    keeps its config under OpenCompass's ``-lmdeploy`` abbr and runs on vLLM when installed."""
    if short_type(model.get('type', '')) not in BASE_TYPES + CHAT_TYPES:
        return model
    from .turbomind import vllm_installed
    abbr = str(model.get('abbr') or model.get('path', 'model'))
    new_abbr = abbr.replace('hf', 'lmdeploy') if '-hf' in abbr else abbr + '-lmdeploy'
    use_vllm = vllm_installed() and not model.get('gguf_file')
    out = dict(to_vllm(model) if use_vllm else model, abbr=new_abbr)
    get_logger().info('-a lmdeploy: models[%s]: lmdeploy is not used here; running on %s (abbr %s)',
                      abbr, 'vLLM' if use_vllm else 'transformers (install .[vllm] for vLLM)',
                      new_abbr)
    return out


def vllm_abbr(abbr: str) -> str:
    return abbr.replace('hf', 'vllm') if '-hf' in abbr else abbr + '-vllm'


def to_vllm(model: dict[str, Any]) -> dict[str, Any]:
    """One model config for the vLLM backend (unchanged when it is not a transformers one)."""
    kind = short_type(model.get('type', ''))
    if kind not in BASE_TYPES + CHAT_TYPES:
        return model
    abbr = str(model.get('abbr') or model.get('path', 'model'))
    if model.get('gguf_file'):
        raise ConfigError(f'-a vllm: models[{abbr}] loads a gguf_file, which the vLLM backend '
                          'does not take; run it without -a vllm')
    target = 'VLLMwithChatTemplate' if kind in CHAT_TYPES else 'VLLM'
    out: dict[str, Any] = {'type': f'opencompass.models.vllm.{target}', 'abbr': vllm_abbr(abbr)}
    out.update({k: model[k] for k in KEPT if k in model})
    kwargs, dropped = {}, []
    for key, value in (model.get('model_kwargs') or {}).items():
        if key in MODEL_KWARGS:
            kwargs[MODEL_KWARGS[key]] = value
        else:
            dropped.append(key)
    if kwargs:
        out['model_kwargs'] = kwargs
    if model.get('peft_path'):
        out['lora_path'] = model['peft_path']
    if dropped:
        get_logger().warning('-a vllm: models[%s]: model_kwargs %s are transformers-only and '
                             'were dropped', abbr, ', '.join(sorted(dropped)))
    get_logger().info('-a vllm: models[%s] runs as %s (abbr %s)', abbr, target, out['abbr'])
    return out
