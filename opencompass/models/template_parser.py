"""``LMTemplateParser`` and ``APITemplateParser``: OpenCompass's intermediate prompts
(:class:`~opencompass.utils.prompt.PromptList` with section markers) rendered through
a model's ``meta_template``.

A meta template has ``begin``, ``round`` (the roles of one dialogue round, each with
``begin``/``end``, optionally a default ``prompt``, ``generate=True`` on the role the
model writes), ``end`` and ``reserved_roles``. The ``round`` and ``ice`` sections of a
prompt are cut into rounds (a new round starts when a role comes back) and each round is
written in the meta template's role order; role items of the ``begin``/``end`` sections
are written one by one; plain strings are written as they are. In ``gen`` mode the text
stops where the last round's generating role begins. Without a meta template the
non-empty strings and prompts are joined by newlines.
"""
from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from typing import Any

from ..errors import ConfigError
from ..utils.prompt import PromptList

__all__ = ['LMTemplateParser', 'APITemplateParser']

Segment = tuple[str, Any]  # ('text', str) | ('role', merged role dict) | ('gen', role dict)


def _is_marker(item: Any) -> bool:
    return isinstance(item, dict) and 'section' in item and 'pos' in item


def plain_join(prompt: list[Any]) -> str:
    """Strings and prompts of ``prompt`` joined by newlines, section markers skipped."""
    out, sep = '', ''
    for item in prompt:
        if _is_marker(item):
            continue
        text = item if isinstance(item, str) else str(item.get('prompt', '') or '')
        if text:
            out += sep + text
        sep = '\n'
    return out


class _MetaTemplate:
    """Role table and round splitting shared by both parsers."""

    def __init__(self, meta_template: dict[str, Any] | None = None):
        self.meta_template = meta_template
        self.roles: dict[str, dict[str, Any]] = {}
        if not meta_template:
            return
        if not isinstance(meta_template.get('round'), list):
            raise ConfigError('meta_template: needs a "round" list of role dicts')
        for key in ('round', 'reserved_roles'):
            for item in meta_template.get(key, []) or []:
                if isinstance(item, dict):
                    if item['role'] in self.roles:
                        raise ConfigError(f"meta_template: role {item['role']!r} appears twice")
                    self.roles[item['role']] = dict(item)

    def _role_of(self, item: dict[str, Any]) -> str:
        role = item.get('role')
        if role in self.roles:
            return str(role)
        fallback = item.get('fallback_role')
        if fallback in self.roles:
            return str(fallback)
        raise ConfigError(f'prompt item {item!r:.80} has a role the meta_template does not define '
                          f'(roles: {", ".join(self.roles)}) and no usable fallback_role')

    def _merged(self, items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        table = copy.deepcopy(self.roles)
        for item in items:
            name = self._role_of(item)
            table[name].update({k: v for k, v in item.items() if k != 'role'})
        return table

    def _rounds(self, dialogue: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        order = {r['role']: i for i, r in enumerate(self.meta_template['round'])  # type: ignore[index]
                 if isinstance(r, dict)}
        rounds: list[list[dict[str, Any]]] = []
        last = None
        for item in dialogue:
            pos = order.get(self._role_of(item), -1)
            if last is None or pos <= last:
                rounds.append([])
            rounds[-1].append(item)
            last = pos
        return rounds

    def segments(self, prompt: list[Any], mode: str) -> Iterator[Segment]:
        """What to write, in order; a ``gen`` segment ends the prompt."""
        assert self.meta_template is not None
        stack: list[tuple[str, int]] = []
        for i, item in enumerate(prompt):
            if isinstance(item, str):
                yield 'text', item
            elif _is_marker(item):
                if item['pos'] == 'begin':
                    stack.append((item['section'], i + 1))
                    continue
                if item['pos'] != 'end' or not stack or stack[-1][0] != item['section']:
                    raise ConfigError(f'prompt: unbalanced section marker {item!r}')
                name, start = stack.pop()
                if name not in ('round', 'ice'):
                    continue
                dialogue = [x for x in prompt[start:i] if isinstance(x, dict) and not _is_marker(x)]
                rounds = self._rounds(dialogue)
                for k, rnd in enumerate(rounds):
                    table = self._merged(rnd)
                    for_gen = mode == 'gen' and name == 'round' and k == len(rounds) - 1
                    for spec in self.meta_template['round']:
                        if isinstance(spec, str):
                            yield 'text', spec
                            continue
                        merged = table[spec['role']]
                        if for_gen and merged.get('generate'):
                            yield 'gen', merged
                            return
                        yield 'role', merged
            elif isinstance(item, dict) and not (stack and stack[-1][0] in ('round', 'ice')):
                yield 'role', self._merged([item])[self._role_of(item)]


class LMTemplateParser(_MetaTemplate):
    """Renders a PromptList into the one string a base (non-chat) model reads."""

    def parse_template(self, prompt_template: Any, mode: str) -> Any:
        if mode not in ('gen', 'ppl'):
            raise ConfigError(f"parse_template: mode must be 'gen' or 'ppl', got {mode!r}")
        if isinstance(prompt_template, str):
            return prompt_template
        if not isinstance(prompt_template, PromptList):
            return [self.parse_template(p, mode) for p in prompt_template]
        if not self.meta_template:
            return plain_join(prompt_template)
        text, stopped = '', False
        for kind, value in self.segments(prompt_template, mode):
            if kind == 'text':
                text += value
            elif kind == 'gen':
                text += value.get('begin', '')
                stopped = True
            else:
                text += value.get('begin', '') + str(value.get('prompt', '')) + value.get('end', '')
        text = self.meta_template.get('begin', '') + text
        return text if stopped else text + self.meta_template.get('end', '')


class APITemplateParser(_MetaTemplate):
    """Renders a PromptList into ``[{'role': api_role, 'prompt': ...}]`` for chat APIs;
    consecutive turns of one role are merged, plain strings are dropped with a warning."""

    def parse_template(self, prompt_template: Any, mode: str) -> Any:
        if mode not in ('gen', 'ppl'):
            raise ConfigError(f"parse_template: mode must be 'gen' or 'ppl', got {mode!r}")
        if isinstance(prompt_template, str):
            return prompt_template
        if not isinstance(prompt_template, PromptList):
            return [self.parse_template(p, mode) for p in prompt_template]
        if not self.meta_template:
            return plain_join(prompt_template)
        out = PromptList()
        dropped = False
        for kind, value in self.segments(prompt_template, mode):
            if kind == 'text':
                dropped = dropped or bool(value.strip())
                continue
            if kind == 'gen' or 'prompt' not in value:
                continue
            role = value.get('api_role', value['role'])
            if out and out[-1]['role'] == role:
                out[-1]['prompt'] += '\n' + str(value['prompt'])
            else:
                out.append({'role': role, 'prompt': str(value['prompt'])})
        if dropped:
            warnings.warn('plain strings in a prompt are ignored for API models', stacklevel=2)
        return out
