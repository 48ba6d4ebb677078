"""``FixKRetriever``: the same fixed train rows (``fix_id_list``) before every test sample."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import ConfigError
from ...registry import ICL_RETRIEVERS
from .icl_base_retriever import BaseRetriever

if TYPE_CHECKING:
    from ...datasets.base import BaseDataset


@ICL_RETRIEVERS.register_module()
class FixKRetriever(BaseRetriever):
    def __init__(self, dataset: BaseDataset, fix_id_list: list[int] | None = None, **kwargs: Any):
        super().__init__(dataset, **kwargs)
        if not fix_id_list:
            raise ConfigError('retriever.fix_id_list: FixKRetriever needs a non-empty list of '
                              'train row indices')
        n = len(dataset.train)
        bad = [i for i in fix_id_list if not 0 <= i < n]
        if bad:
            raise ConfigError(f'retriever.fix_id_list: indices {bad} are outside the train split '
                              f'({n} rows)')
        self.fix_id_list = list(fix_id_list)

    def retrieve(self) -> list[list[int]]:
        return [list(self.fix_id_list) for _ in self.dataset.test]
