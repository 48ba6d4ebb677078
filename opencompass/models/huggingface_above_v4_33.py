"""``HuggingFaceBaseModel``: OpenCompass's newer class for base (non-chat) models.

Same loading as :class:`HuggingFaceCausalLM` (local directory, nothing downloaded);
prompts are written plainly, items joined by newlines, with no ``meta_template`` (as in
OpenCompass, where this class always uses a template parser without one). Arguments of
OpenCompass's signature that have no effect here (``drop_middle``, ``tokenizer_only``)
are accepted; ``max_seq_len=None`` keeps the default.
"""
from __future__ import annotations

from typing import Any

from ..registry import MODELS
from .huggingface import HuggingFaceCausalLM, HuggingFacewithChatTemplate

__all__ = ['HuggingFaceBaseModel', 'HuggingFacewithChatTemplate']


@MODELS.register_module()
class HuggingFaceBaseModel(HuggingFaceCausalLM):
    """A base model from a local directory; prompts joined plainly, no chat template."""

    def __init__(self, path: str, max_seq_len: int | None = None, drop_middle: bool = False,
                 tokenizer_only: bool = False, meta_template: dict[str, Any] | None = None,
                 **kwargs: Any):
        if max_seq_len is not None:
            kwargs['max_seq_len'] = max_seq_len
        for key in ('peft_path', 'peft_kwargs'):  # only passed on when set
            if not kwargs.get(key):
                kwargs.pop(key, None)
        super().__init__(path=path, **kwargs)
        self.drop_middle = drop_middle
        self.tokenizer_only = tokenizer_only
