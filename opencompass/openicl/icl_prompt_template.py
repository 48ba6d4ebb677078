"""``PromptTemplate``: fills a template with a sample's columns.

A template is a string (``'Q: {question}\\nA: {answer}'``), a chat-style dict
(``dict(begin=..., round=[dict(role='HUMAN', prompt=...), dict(role='BOT', prompt=...)],
end=...)``) or, for loglikelihood tasks, a dict from each label to one of those.
A filled chat-style template is a *prompt list*: ``[{'role': ..., 'prompt': ...}]``,
which the model turns into its own format (see ``opencompass.models.template``).
"""
from __future__ import annotations

import copy
from typing import Any

from ..errors import ConfigError
from ..registry import ICL_PROMPT_TEMPLATES

PromptList = list[dict[str, Any]]
Prompt = str | PromptList

__all__ = ['PromptTemplate', 'Prompt', 'PromptList']


def _is_chat(t: Any) -> bool:
    return isinstance(t, dict) and ('round' in t or 'begin' in t or 'end' in t)


@ICL_PROMPT_TEMPLATES.register_module()
class PromptTemplate:
    """Fill ``{column}`` placeholders and the in-context-example token."""

    def __init__(self, template: str | dict[str, Any], ice_token: str | None = None,
                 sep_token: str | None = None):
        self.template = template
        self.ice_token = ice_token
        self.sep_token = sep_token
        self.label_templates: dict[Any, str | dict[str, Any]] | None
        if isinstance(template, dict) and not _is_chat(template):
            self.label_templates = dict(template)
        elif isinstance(template, (str, dict)):
            self.label_templates = None
        else:
            raise ConfigError(f'prompt_template.template: expected a str or dict, got {template!r:.60}')

    @property
    def labels(self) -> list[Any] | None:
        """The candidate labels of a loglikelihood (per-label) template, else None."""
        return list(self.label_templates) if self.label_templates else None

    def generate_item(self, entry: dict[str, Any], output_column: str | None = None, ice: str = '',
                      label: Any = None, gen: bool = False) -> Prompt:
        """The prompt for one sample; ``gen=True`` blanks the answer for generation."""
        template = self._pick(label)
        values = dict(entry)
        if gen and output_column:
            values[output_column] = ''
        return fill(template, values, self.ice_token, ice)

    def generate_ice_item(self, entry: dict[str, Any], label: Any = None) -> Prompt:
        """An in-context example: the template filled with the example's answer."""
        return fill(self._pick(label), entry, self.ice_token, '')

    def _pick(self, label: Any) -> str | dict[str, Any]:
        if self.label_templates is None:
            return self.template
        if label not in self.label_templates:
            # label keys may be ints in configs and strings in data
            for key in self.label_templates:
                if str(key) == str(label):
                    return self.label_templates[key]
            raise ConfigError(f'prompt_template has no template for label {label!r}')
        return self.label_templates[label]


def _sub(text: str, values: dict[str, Any], ice_token: str | None, ice: str) -> str:
    if ice_token:
        text = text.replace(ice_token, ice)
    for key, value in values.items():
        placeholder = '{' + str(key) + '}'
        if placeholder in text:
            text = text.replace(placeholder, '' if value is None else str(value))
    return text


def fill(template: str | dict[str, Any], values: dict[str, Any], ice_token: str | None, ice: str) -> Prompt:
    if isinstance(template, str):
        return _sub(template, values, ice_token, ice)
    items: PromptList = []
    for section in ('begin', 'round', 'end'):
        part = template.get(section)
        if part is None:
            continue
        for item in (part if isinstance(part, list) else [part]):
            if isinstance(item, str):
                if ice_token and item.strip() == ice_token:
                    if ice:
                        items.append({'role': 'HUMAN', 'prompt': ice, 'section': 'ice'})
                    continue
                items.append({'role': 'SYSTEM', 'prompt': _sub(item, values, ice_token, ice),
                              'section': section})
            else:
                new = copy.deepcopy(dict(item))
                new['prompt'] = _sub(str(new.get('prompt', '')), values, ice_token, ice)
                new['section'] = section
                items.append(new)
    return items
