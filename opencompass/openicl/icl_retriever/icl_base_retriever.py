"""The retriever contract: ``retrieve()`` gives train indices per test sample."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from ..icl_prompt_template import PromptTemplate

if TYPE_CHECKING:
    from ...datasets.base import BaseDataset


class BaseRetriever(ABC):
    """Holds the dataset; subclasses decide which train rows serve as examples."""

    def __init__(self, dataset: BaseDataset, ice_separator: str = '\n', ice_eos_token: str = '\n',
                 ice_num: int = 1, **_: Any):
        self.dataset = dataset
        self.ice_separator = ice_separator
        self.ice_eos_token = ice_eos_token
        self.ice_num = ice_num

    @abstractmethod
    def retrieve(self) -> list[list[int]]:
        """For each test row (in order), the train row indices to show before it."""

    def generate_ice(self, idx_list: list[int], ice_template: PromptTemplate | None) -> str:
        """Render the chosen train rows as one in-context string."""
        if not idx_list or ice_template is None:
            return ''
        parts = []
        column = self.dataset.reader.output_column
        for i in idx_list:
            row = self.dataset.train[i]
            item = ice_template.generate_ice_item(row, row.get(column) if column else None)
            if not isinstance(item, str):
                item = '\n'.join(str(x.get('prompt', '')) for x in item)
            parts.append(item)
        return self.ice_separator.join(parts) + self.ice_eos_token
