"""``PromptList``: OpenCompass's intermediate prompt, a list of strings and role dicts.

Items are plain strings, role dicts (``{'role': 'HUMAN', 'prompt': '...'}``) and
section markers (``{'section': 'round', 'pos': 'begin'}``). The methods return new
lists and leave the original unchanged.
"""
from __future__ import annotations

import copy
from typing import Any

__all__ = ['PromptList', 'safe_format']


def safe_format(text: str, **kwargs: Any) -> str:
    """Replace ``{key}`` for the keys given; other braces stay as they are."""
    for key, value in kwargs.items():
        text = text.replace('{' + str(key) + '}', str(value))
    return text


class PromptList(list[Any]):
    """A list of strings and dicts with prompt-aware ``format``, ``replace``, ``+`` and
    ``str``."""

    def format(self, **kwargs: Any) -> PromptList:
        """Fill ``{key}`` in every string and every dict's ``prompt``."""
        out = PromptList()
        for item in self:
            if isinstance(item, str):
                out.append(safe_format(item, **kwargs))
            elif isinstance(item, dict):
                new = copy.deepcopy(item)
                if 'prompt' in new:
                    new['prompt'] = safe_format(new['prompt'], **kwargs)
                out.append(new)
            else:
                out.append(item)
        return out

    def replace(self, src: str, dst: str | PromptList) -> PromptList:
        """Replace ``src`` by a string, or splice a PromptList in place of ``src`` in the
        plain strings (``TypeError`` if ``src`` is inside a dict's prompt, which cannot hold
        a list)."""
        out = PromptList()
        for item in self:
            if isinstance(item, str):
                if isinstance(dst, str):
                    out.append(item.replace(src, dst))
                    continue
                pieces = item.split(src)
                for k, piece in enumerate(pieces):
                    if piece:
                        out.append(piece)
                    if k < len(pieces) - 1:
                        out.extend(copy.deepcopy(list(dst)))
            elif isinstance(item, dict):
                new = copy.deepcopy(item)
                if 'prompt' in new and src in new['prompt']:
                    if not isinstance(dst, str):
                        raise TypeError(f'{src!r} is in the prompt of a dict item; it can only '
                                        'be replaced by a string, not a PromptList')
                    new['prompt'] = new['prompt'].replace(src, dst)
                out.append(new)
            else:
                out.append(item)
        return out

    def __add__(self, other: Any) -> PromptList:
        if not other:
            return PromptList(self)
        if isinstance(other, str):
            return PromptList([*self, other])
        return PromptList([*self, *other])

    def __radd__(self, other: Any) -> PromptList:
        if not other:
            return PromptList(self)
        if isinstance(other, str):
            return PromptList([other, *self])
        return PromptList([*other, *self])

    def __iadd__(self, other: Any) -> PromptList:
        if not other:
            return self
        if isinstance(other, str):
            self.append(other)
        else:
            self.extend(other)
        return self

    def __str__(self) -> str:
        parts = []
        for item in self:
            if isinstance(item, str):
                parts.append(item)
            elif isinstance(item, dict):
                parts.append(str(item.get('prompt', '')))
            else:
                raise TypeError(f'a PromptList holds strings and dicts, found {type(item).__name__}')
        return ''.join(parts)
