"""The inferencer contract, shared by generation and loglikelihood inferencers."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..icl_prompt_template import Prompt, PromptTemplate

if TYPE_CHECKING:
    from ...models.base import BaseModel

OnDone = Callable[[dict[str, Any]], None]


@dataclass
class Sample:
    """One test row ready for inference: its id, columns and in-context string."""

    id: str
    entry: dict[str, Any]
    ice: str
    gold: Any


class BaseInferencer(ABC):
    """Build prompts for samples, call the model in batches, report each finished batch.

    ``infer`` calls ``on_done({sample_id: record})`` after every batch so the task
    can journal results as they arrive; a killed task redoes at most one batch.
    """

    def __init__(self, max_out_len: int | None = None, batch_size: int | None = None,
                 max_seq_len: int | None = None, **kwargs: Any):
        self.max_out_len = max_out_len
        self.batch_size = batch_size
        self.max_seq_len = max_seq_len
        self.extra = kwargs

    @abstractmethod
    def infer(self, model: BaseModel, samples: list[Sample], prompt_template: PromptTemplate | None,
              ice_template: PromptTemplate | None, output_column: str | None,
              on_done: OnDone) -> None:
        """Run every sample through ``model``, calling ``on_done`` after each batch."""

    def batches(self, model: BaseModel, samples: list[Sample]) -> Iterator[list[Sample]]:
        size = max(1, int(self.batch_size or getattr(model, 'batch_size', 1) or 1))
        for i in range(0, len(samples), size):
            yield samples[i:i + size]

    @staticmethod
    def get_dataloader(datalist: list[Any], batch_size: int | None) -> list[list[Any]]:
        """``datalist`` in consecutive batches; ``batch_size=None`` means one batch."""
        size = batch_size or max(1, len(datalist))
        return [datalist[i:i + size] for i in range(0, len(datalist), size)]

    @staticmethod
    def template_for(prompt_template: PromptTemplate | None,
                     ice_template: PromptTemplate | None) -> PromptTemplate:
        template = prompt_template or ice_template
        if template is None:
            from ...errors import ConfigError
            raise ConfigError('infer_cfg: needs a prompt_template (or an ice_template)')
        return template

    @staticmethod
    def build(template: PromptTemplate, sample: Sample, output_column: str | None,
              label: Any = None, gen: bool = False) -> Prompt:
        return template.generate_item(sample.entry, output_column, ice=sample.ice, label=label,
                                      gen=gen)


def token_usage(model: Any, n: int) -> list[dict[str, int] | None]:
    """The token counts the model kept for its last call (``last_usage``), one per input;
    ``None`` for each input when it keeps none or they do not match ``n`` inputs."""
    usage = getattr(model, 'last_usage', None)
    if isinstance(usage, list) and len(usage) == n and all(isinstance(u, dict) for u in usage):
        return list(usage)
    return [None] * n
