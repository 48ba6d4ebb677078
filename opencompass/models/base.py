"""The model contract every wrapper implements (local or API)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from ..openicl.icl_prompt_template import Prompt
from .template import render_base
from .template_parser import LMTemplateParser

__all__ = ['BaseModel', 'LMTemplateParser', 'truncate_at_stop']


class BaseModel(ABC):
    """A model that can generate text and, optionally, score text by loglikelihood.

    Subclasses implement ``generate`` (list of rendered prompts -> list of strings)
    and, when they can, ``get_ppl`` (list of texts -> mean token loss each).
    ``render_prompt`` turns a filled template into what the model consumes.
    """

    #: OpenCompass's public flag, read by code written for it: True for models behind an API.
    is_api: bool = False

    def __init__(self, path: str, abbr: str | None = None, max_seq_len: int = 2048,
                 max_out_len: int = 256, batch_size: int = 1, meta_template: dict[str, Any] | None = None,
                 generation_kwargs: dict[str, Any] | None = None, stop_words: list[str] | None = None,
                 run_cfg: dict[str, Any] | None = None, **kwargs: Any):
        self.path = path
        self.abbr = abbr
        self.max_seq_len = max_seq_len
        self.max_out_len = max_out_len
        self.batch_size = batch_size
        self.meta_template = meta_template
        self.generation_kwargs = dict(generation_kwargs or {})
        self.stop_words = list(stop_words or [])
        self.run_cfg = dict(run_cfg or {})
        self.extra = kwargs
        self.tokenizer_only = bool(kwargs.pop('tokenizer_only', False))  # OpenCompass's flag

    # -- prompts ---------------------------------------------------------------
    @property
    def template_parser(self) -> LMTemplateParser:
        """OpenCompass's parser of this model's ``meta_template`` (for custom code)."""
        return LMTemplateParser(self.meta_template)

    def render_prompt(self, prompt: Prompt, gen: bool = True) -> Any:
        return render_base(prompt, self.meta_template, gen)

    def generate_from_template(self, prompts: list[Prompt], max_out_len: int,
                               stopping_criteria: list[str] | None = None) -> list[Any]:
        rendered = [self.render_prompt(p, gen=True) for p in prompts]
        stops = list(dict.fromkeys(self.stop_words + list(stopping_criteria or [])))
        return self.generate(rendered, max_out_len=max_out_len, stop_words=stops)

    def get_ppl_from_template(self, prompts: list[Prompt]) -> list[float]:
        return self.get_ppl([self.render_prompt(p, gen=False) for p in prompts])

    # -- to implement ------------------------------------------------------------
    @abstractmethod
    def generate(self, inputs: list[Any], max_out_len: int,
                 stop_words: list[str] | None = None) -> list[Any]:
        """One completion per rendered input (a string, or a dict with token counts)."""

    def get_ppl(self, inputs: list[str]) -> list[float]:
        from ..errors import ModelError
        raise ModelError(f'{type(self).__name__} cannot score text by loglikelihood, so it cannot '
                         'run PPLInferencer datasets; use the gen variant of the dataset')


def truncate_at_stop(text: str, stop_words: list[str]) -> str:
    """Cut ``text`` at the earliest stop word."""
    cut = len(text)
    for word in stop_words:
        if word:
            pos = text.find(word)
            if pos != -1:
                cut = min(cut, pos)
    return text[:cut]
