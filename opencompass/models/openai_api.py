"""``OpenAISDK`` (alias ``OpenAI``): any OpenAI-compatible endpoint (OpenAI, vLLM, SGLang, ...).

Chat completions by default (``api_mode='chat'``); ``api_mode='completions'`` sends
plain prompts rendered with ``meta_template`` (base models). Requests run in a
sliding window (:meth:`OpenAISDK.generate_iter`) so each answer is journaled as
it arrives. Loglikelihood (PPL datasets) uses prompt logprobs from
``/completions`` with ``echo``; endpoints without them get a clear error.
"""
from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from typing import Any

from ..errors import ConfigError, ModelError
from ..openicl.icl_prompt_template import Prompt
from ..registry import MODELS
from .api_client import Answer, ApiClient, MalformedResponse, SampleFailure, run_window
from .base import BaseModel, truncate_at_stop
from .template import render_base, split_generation_prefix, to_messages

DEFAULT_BASE = 'https://api.openai.com/v1/'
DEFAULT_KEY_ENV = 'OPENAI_API_KEY'
MAX_STOP_WORDS = 4  # what the OpenAI API accepts; the rest are applied locally
_ENV_REF = re.compile(r'^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$')


def resolve_key(key: str | list[Any] | None) -> str | None:
    """``'ENV'`` -> ``$OPENAI_API_KEY``; ``'$NAME'``/``'${NAME}'``/``'ENV:NAME'`` -> ``$NAME``."""
    if isinstance(key, (list, tuple)):
        key = key[0] if key else None
    if key is None or key == '':
        return os.environ.get(DEFAULT_KEY_ENV) or None
    key = str(key)
    name = None
    if key == 'ENV':
        name = DEFAULT_KEY_ENV
    elif key.startswith('ENV:'):
        name = key[4:]
    elif ref := _ENV_REF.match(key):
        name = ref.group(1)
    if name is None:
        return key
    value = os.environ.get(name)
    if not value:
        raise ModelError(f'the API key is read from the environment variable {name}, which is '
                         'not set (export it, or set key= in the model config)')
    return value


def normalize_base(url: str) -> str:
    """Accept a base URL with or without a trailing ``/chat/completions`` or ``/completions``."""
    url = str(url).strip().rstrip('/')
    for suffix in ('/chat/completions', '/completions'):
        if url.endswith(suffix):
            url = url[:-len(suffix)]
    if not re.match(r'^https?://', url):
        raise ConfigError(f"openai_api_base '{url}': expected an http:// or https:// URL")
    return url


@MODELS.register_module()
class OpenAISDK(BaseModel):
    """A model behind an OpenAI-compatible HTTP API (no local weights, no torch)."""

    is_api = True

    def __init__(self, path: str, key: str | list[Any] | None = 'ENV',
                 openai_api_base: str | list[Any] = DEFAULT_BASE, api_mode: str = 'chat',
                 system_prompt: str | None = None, temperature: float | None = 0.0,
                 max_workers: int | None = None, query_per_second: float | None = None,
                 retry: int = 5, timeout: float = 120.0, backoff: float = 1.0,
                 extra_body: dict[str, Any] | None = None, max_completion_tokens: bool = False,
                 org: str | None = None, openai_proxy_url: str | None = None, **kwargs: Any):
        super().__init__(path=path, **kwargs)
        if api_mode not in ('chat', 'completions'):
            raise ConfigError(f"api_mode '{api_mode}': expected 'chat' or 'completions'")
        if isinstance(openai_api_base, (list, tuple)):
            openai_api_base = openai_api_base[0]
        self.api_mode = api_mode
        self.system_prompt = system_prompt
        self.temperature = temperature
        self.extra_body = dict(extra_body or {})
        self.max_completion_tokens = max_completion_tokens
        self.base_url = normalize_base(str(openai_api_base))
        headers = {'Content-Type': 'application/json'}
        api_key = resolve_key(key)
        if api_key and api_key != 'EMPTY':
            headers['Authorization'] = f'Bearer {api_key}'
        if org:
            headers['OpenAI-Organization'] = str(org)
        workers = int(max_workers or max(32, int(self.batch_size or 1)))
        self.client = ApiClient(self.base_url, headers, max_workers=workers,
                                query_per_second=query_per_second, retry=retry,
                                timeout=timeout, backoff=backoff, proxy=openai_proxy_url)

    @property
    def name(self) -> str:
        return self.abbr or self.path

    # -- prompts ---------------------------------------------------------------
    def _api_roles(self, prompt: Prompt) -> Prompt:
        """Map each turn's role to its ``api_role`` from ``meta_template``, if any."""
        if isinstance(prompt, str) or not self.meta_template:
            return prompt
        specs = {r['role']: r for r in list(self.meta_template.get('round', [])) +
                 list(self.meta_template.get('reserved_roles', []))}
        out = []
        for item in prompt:
            spec = specs.get(item.get('role')) or specs.get(item.get('fallback_role', '')) or {}
            out.append({**item, 'role': spec.get('api_role', item.get('role', 'HUMAN'))})
        return out

    def render_prompt(self, prompt: Prompt, gen: bool = True) -> Any:
        if self.api_mode == 'completions':
            return render_base(prompt, self.meta_template, gen)
        messages = [m for m in to_messages(self._api_roles(prompt))]
        if gen:
            body, prefix = split_generation_prefix(messages)
            messages = body + ([{'role': 'assistant', 'content': prefix}] if prefix else [])
        if self.system_prompt and (not messages or messages[0]['role'] != 'system'):
            messages.insert(0, {'role': 'system', 'content': self.system_prompt})
        return messages

    # -- generation ----------------------------------------------------------------
    def _payload(self, rendered: Any, max_out_len: int, stop_words: list[str]) -> tuple[str, dict[str, Any]]:
        payload: dict[str, Any] = {'model': self.path}
        if self.api_mode == 'chat':
            path = 'chat/completions'
            payload['messages'] = ([{'role': 'user', 'content': rendered}]
                                   if isinstance(rendered, str) else rendered)
        else:
            path = 'completions'
            payload['prompt'] = rendered
        payload['max_completion_tokens' if self.max_completion_tokens else 'max_tokens'] = \
            int(max_out_len)
        if self.temperature is not None:
            payload['temperature'] = self.temperature
        if stop_words:
            payload['stop'] = list(stop_words)[:MAX_STOP_WORDS]
        payload.update(self.generation_kwargs)
        payload.update(self.extra_body)
        return path, payload

    def _parse_generation(self, stop_words: list[str]) -> Any:
        chat = self.api_mode == 'chat'

        def parse(data: dict[str, Any]) -> dict[str, Any]:
            choices = data['choices']
            if not isinstance(choices, list) or not choices:
                raise MalformedResponse('no choices')
            choice = choices[0]
            text = (choice['message'].get('content') if chat else choice['text']) or ''
            if not isinstance(text, str):
                raise MalformedResponse('content is not text')
            out: dict[str, Any] = {'prediction': truncate_at_stop(text, stop_words)}
            usage = data.get('usage') or {}
            if isinstance(usage, dict) and 'prompt_tokens' in usage:
                out['usage'] = {'prompt_tokens': int(usage.get('prompt_tokens') or 0),
                                'completion_tokens': int(usage.get('completion_tokens') or 0)}
            return out
        return parse

    def generate_iter(self, inputs: list[Any], max_out_len: int,
                      stop_words: list[str] | None = None) -> Iterator[list[tuple[int, dict[str, Any]]]]:
        """Sliding window: yield ``[(index, output), ...]`` of the answers that arrived since
        the last yield (at least one), as they complete.

        ``output`` is ``{'prediction', 'usage'}`` or, for a sample that failed after its
        retries, ``{'prediction': '', 'failed': True, 'error': reason}``.
        """
        stops = list(stop_words or [])
        parse = self._parse_generation(stops)
        jobs = [(*self._payload(x, max_out_len, stops), parse) for x in inputs]
        for burst in run_window(self.client, jobs):
            yield [(index, self._output(outcome)) for index, outcome in burst]

    @staticmethod
    def _output(outcome: Answer | SampleFailure) -> dict[str, Any]:
        if isinstance(outcome, SampleFailure):
            return {'prediction': '', 'failed': True, 'error': str(outcome)}
        extra = {'attempts': outcome.attempts} if outcome.attempts > 1 else {}
        return {**outcome.value, **extra}

    def generate_iter_from_template(self, prompts: list[Prompt], max_out_len: int,
                                    stopping_criteria: list[str] | None = None
                                    ) -> Iterator[list[tuple[int, dict[str, Any]]]]:
        rendered = [self.render_prompt(p, gen=True) for p in prompts]
        stops = list(dict.fromkeys(self.stop_words + list(stopping_criteria or [])))
        return self.generate_iter(rendered, max_out_len=max_out_len, stop_words=stops)

    def generate(self, inputs: list[Any], max_out_len: int,
                 stop_words: list[str] | None = None) -> list[dict[str, Any]]:
        outputs: list[Any] = [None] * len(inputs)
        for burst in self.generate_iter(inputs, max_out_len, stop_words):
            for index, out in burst:
                outputs[index] = out
        return outputs

    # -- loglikelihood -------------------------------------------------------------
    def get_ppl_from_template(self, prompts: list[Prompt]) -> list[float]:
        # scored text is always one string, rendered as for a base model
        return self.get_ppl([render_base(p, self.meta_template, False) for p in prompts])

    def _no_logprobs(self, why: str) -> ModelError:
        return ModelError(f"the endpoint {self.base_url} does not return prompt logprobs "
                          f"({why}), so model '{self.name}' cannot run PPL datasets; use the gen "
                          'variant of the dataset')

    def get_ppl(self, inputs: list[str]) -> list[float]:
        """Mean negative log-likelihood per token of each text, from echoed prompt logprobs."""
        def parse_for(text: str) -> Any:
            def parse(data: dict[str, Any]) -> Any:
                choice = data['choices'][0]
                lp = choice.get('logprobs')
                if not isinstance(lp, dict) or not lp.get('token_logprobs'):
                    return None  # unsupported, not malformed: do not retry
                values = list(lp['token_logprobs'])
                offsets = lp.get('text_offset')
                n_prompt = (data.get('usage') or {}).get('prompt_tokens')
                if isinstance(offsets, list) and len(offsets) == len(values):
                    values = [v for v, o in zip(values, offsets) if o < len(text)]
                elif isinstance(n_prompt, int) and 0 < n_prompt <= len(values):
                    values = values[:n_prompt]
                scored = [float(v) for v in values[1:] if v is not None]
                if not scored:
                    raise MalformedResponse('no prompt token logprobs')
                return -sum(scored) / len(scored)
            return parse

        jobs = [('completions', {'model': self.path, 'prompt': text, 'max_tokens': 1,
                                 'temperature': 0, 'echo': True, 'logprobs': 1},
                 parse_for(text)) for text in inputs]
        losses: list[float] = [math.nan] * len(inputs)
        for index, outcome in (item for burst in run_window(self.client, jobs)
                               for item in burst):
            if isinstance(outcome, SampleFailure):
                if str(outcome).startswith('HTTP 4'):  # rejected echo/logprobs
                    raise self._no_logprobs(f'it rejected the request: {outcome}')
                raise ModelError(f"model '{self.name}': a loglikelihood request to "
                                 f'{self.base_url} failed: {outcome}')
            assert isinstance(outcome, Answer)
            if outcome.value is None:
                raise self._no_logprobs('completions with echo=true and logprobs answered '
                                        'without them')
            losses[index] = outcome.value
        return losses


OpenAI = MODELS.register_module('OpenAI')(OpenAISDK)
