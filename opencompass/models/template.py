"""Render a filled prompt (string or prompt list) into what a model consumes.

Base models get one string: prompt-list items are wrapped with the ``begin``/``end``
of their role from ``meta_template`` (OpenCompass's format) or joined by newlines.
Chat models get OpenAI-style messages.
"""
from __future__ import annotations

from typing import Any

from ..errors import ModelError
from ..openicl.icl_prompt_template import Prompt

CHAT_ROLES = {'HUMAN': 'user', 'USER': 'user', 'BOT': 'assistant', 'ASSISTANT': 'assistant',
              'SYSTEM': 'system'}
RAW_ROLES = {'user': 'HUMAN', 'assistant': 'BOT', 'system': 'SYSTEM'}


def render_base(prompt: Prompt, meta_template: dict[str, Any] | None, gen: bool) -> str:
    """One string; in ``gen`` mode it ends where the model should start writing."""
    if isinstance(prompt, str):
        return prompt
    if not meta_template:
        texts = [str(item.get('prompt', item.get('content', ''))) for item in prompt]
        while gen and texts and not texts[-1]:
            texts.pop()
        return '\n'.join(texts)
    specs = {r['role']: r for r in list(meta_template.get('round', [])) +
             list(meta_template.get('reserved_roles', []))}
    out = [meta_template.get('begin', '') or '']
    for i, item in enumerate(prompt):
        role = item.get('role', 'HUMAN')
        role = RAW_ROLES.get(role, role)  # RawPromptTemplate's chat roles
        spec = specs.get(role) or specs.get(item.get('fallback_role', '')) or {}
        out.append(spec.get('begin', '') + str(item.get('prompt', item.get('content', ''))))
        is_last = i == len(prompt) - 1
        if gen and is_last and spec.get('generate'):
            return ''.join(out)
        out.append(spec.get('end', ''))
    if gen:
        gen_spec = next((r for r in meta_template.get('round', []) if r.get('generate')), None)
        if gen_spec:
            out.append(gen_spec.get('begin', ''))
    else:
        out.append(meta_template.get('end', '') or '')
    return ''.join(out)


def to_messages(prompt: Prompt) -> list[dict[str, Any]]:
    """OpenAI-style messages; consecutive turns of one role are merged."""
    if isinstance(prompt, str):
        return [{'role': 'user', 'content': prompt}]
    messages: list[dict[str, Any]] = []
    for item in prompt:
        role = CHAT_ROLES.get(str(item.get('role', 'HUMAN')).upper(), 'user')
        text = str(item.get('prompt', item.get('content', '')))
        if messages and messages[-1]['role'] == role:
            messages[-1]['content'] = (messages[-1]['content'] + '\n' + text).strip('\n')
        else:
            messages.append({'role': role, 'content': text})
    return messages


def split_generation_prefix(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """Drop a trailing assistant turn; return it as the text the reply must start with."""
    if messages and messages[-1]['role'] == 'assistant':
        return messages[:-1], messages[-1]['content']
    return messages, ''


def render_chat(tokenizer: Any, prompt: Prompt, system_prompt: str | None, gen: bool) -> str:
    """A prompt rendered by ``tokenizer``'s chat template (what ``*withChatTemplate`` models use).

    In ``gen`` mode a trailing assistant turn is the start of the reply, after the generation prompt.
    """
    messages = to_messages(prompt)
    if system_prompt and messages[0]['role'] != 'system':
        messages.insert(0, {'role': 'system', 'content': system_prompt})
    if gen:
        messages, prefix = split_generation_prefix(messages)
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return str(text) + prefix
    return str(tokenizer.apply_chat_template(messages, tokenize=False))


class ChatTemplateMixin:
    """Chat models of every backend: prompts become messages rendered by the tokenizer's own
    chat template, which writes its own special tokens (so no extra BOS)."""

    tokenizer: Any
    system_prompt: str | None

    def require_chat_template(self, path: str, instead: str) -> None:
        if not getattr(self.tokenizer, 'chat_template', None):
            raise ModelError(f"model '{path}' has no chat template; use {instead} "
                             '(with a meta_template) instead')

    @property
    def add_bos(self) -> bool:
        return False

    def render_prompt(self, prompt: Prompt, gen: bool = True) -> str:
        return render_chat(self.tokenizer, prompt, self.system_prompt, gen)
