"""The retriever contract: ``retrieve()`` gives train indices per test sample."""
from __future__ import annotations

from typing import Any

from ..icl_prompt_template import PromptTemplate


class BaseRetriever:
    """Holds the dataset; subclasses decide which train rows serve as examples."""

    def __init__(self, dataset: Any, ice_separator: str = '\n', ice_eos_token: str = '\n',
                 ice_num: int = 1, **_: Any):
        self.dataset = dataset
        self.ice_separator = ice_separator
        self.ice_eos_token = ice_eos_token
        self.ice_num = ice_num

    def retrieve(self) -> list[list[int]]:
        """For each test row (in order), the train row indices to show before it."""
        raise NotImplementedError

    def generate_ice(self, idx_list: list[int], ice_template: PromptTemplate | None) -> str:
        """Render the chosen train rows as one in-context string."""
        if not idx_list or ice_template is None:
            return ''
        parts = []
        for i in idx_list:
            item = ice_template.generate_ice_item(self.dataset.train[i],
                                                  self.dataset.train[i].get(
                                                      self.dataset.reader.output_column))
            if not isinstance(item, str):
                item = '\n'.join(str(x.get('prompt', '')) for x in item)
            parts.append(item)
        return self.ice_separator.join(parts) + self.ice_eos_token
