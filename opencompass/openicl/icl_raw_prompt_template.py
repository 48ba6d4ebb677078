"""``RawPromptTemplate``: a prompt given directly as OpenAI-style chat messages.

``messages`` is a list of ``{'role': 'system'|'user'|'assistant', 'content': ...}``
dicts, ``{'expand_column': COLUMN}`` (the row's own list of messages is spliced in
there) and plain strings, of which only ``ice_token`` means anything: the in-context
examples go there. ``{column}`` placeholders in contents are filled from the row unless
``format_variables=False``. For generation the output column is blanked, so a reference
answer never reaches the model. In-context examples given as text (this project's
retrievers) become one user message at ``ice_token``; given as messages, they are spliced.
"""
from __future__ import annotations

import copy
from typing import Any

from ..registry import ICL_PROMPT_TEMPLATES
from ..utils.prompt import safe_format
from .icl_prompt_template import PromptTemplate

__all__ = ['RawPromptTemplate']

ROLES = ('system', 'user', 'assistant')


def _validate(messages: Any) -> None:
    if not isinstance(messages, list):
        raise TypeError(f'RawPromptTemplate: messages must be a list, got {type(messages).__name__}')
    for i, msg in enumerate(messages):
        if isinstance(msg, str) or (isinstance(msg, dict) and 'expand_column' in msg):
            continue
        if not isinstance(msg, dict):
            raise TypeError(f'RawPromptTemplate: messages[{i}] must be a dict or str, '
                            f'got {type(msg).__name__}')
        for key in ('role', 'content'):
            if key not in msg:
                raise ValueError(f"RawPromptTemplate: messages[{i}] missing '{key}'")
        if msg['role'] not in ROLES:
            raise ValueError(f"RawPromptTemplate: messages[{i}] has invalid role {msg['role']!r} "
                             f'(one of {", ".join(ROLES)})')


@ICL_PROMPT_TEMPLATES.register_module()
class RawPromptTemplate(PromptTemplate):
    """Chat messages used as they are, with ``{column}`` placeholders filled."""

    def __init__(self, messages: list[Any], format_variables: bool = True, ice_token: str = '</E>'):
        _validate(messages)
        self.messages = messages
        self.label_templates = None  # not a per-label template
        self.format_variables = format_variables
        self.ice_token = ice_token
        self.sep_token = None
        self.prompt_type = 'raw_messages'

    def generate_item(self, entry: dict[str, Any], output_field: str | None = None,  # type: ignore[override]
                      output_field_replace_token: str | None = '',
                      ice_field_replace_token: Any = '', *, ice: Any = None, label: Any = None,
                      gen: bool = False) -> list[dict[str, Any]]:
        """The messages for one row (``ice`` / ``ice_field_replace_token``: the examples)."""
        values = dict(entry)
        if gen and output_field:
            values[output_field] = ''
        examples = ice if ice is not None else ice_field_replace_token
        out: list[dict[str, Any]] = []
        for item in self.messages:
            if isinstance(item, str):
                if item == self.ice_token and examples:
                    if isinstance(examples, list):
                        out.extend(copy.deepcopy(examples))
                    else:
                        out.append({'role': 'user', 'content': str(examples)})
            elif 'expand_column' in item:
                spliced = entry.get(item['expand_column'])
                if isinstance(spliced, list):
                    out.extend(copy.deepcopy(spliced))
            else:
                msg = copy.deepcopy(item)
                if self.format_variables and isinstance(msg.get('content'), str):
                    msg['content'] = safe_format(msg['content'], **values)
                out.append(msg)
        return out

    def generate_ice_item(self, entry: dict[str, Any],
                          label: Any = None) -> list[dict[str, Any]]:
        """An in-context example: the messages filled from the example row."""
        return self.generate_item(entry)

    def generate_label_prompt_item(self, entry: dict[str, Any], ice: Any = '', label: Any = None,
                                   remain_sep: bool | None = False) -> list[dict[str, Any]]:
        return self.generate_item(entry, ice=ice)

    def __repr__(self) -> str:
        return (f'RawPromptTemplate(messages={self.messages!r}, '
                f'format_variables={self.format_variables}, ice_token={self.ice_token!r})')
