"""``ZeroRetriever``: zero-shot, no in-context examples."""
from __future__ import annotations

from ...registry import ICL_RETRIEVERS
from .icl_base_retriever import BaseRetriever


@ICL_RETRIEVERS.register_module()
class ZeroRetriever(BaseRetriever):
    def retrieve(self) -> list[list[int]]:
        return [[] for _ in self.dataset.test]
