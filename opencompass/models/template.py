"""Render a filled prompt (string or prompt list) into what a model consumes.

Base models get one string: prompt-list items are wrapped with the ``begin``/``end``
of their role from ``meta_template`` (OpenCompass's format) or joined by newlines.
Chat models get OpenAI-style messages.
"""
from __future__ import annotations

from typing import Any

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
