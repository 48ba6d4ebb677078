"""``get_data_path``: an OpenCompass dataset id or a relative path -> a local path.

The data root is ``$COMPASS_DATA_CACHE`` (default: the current directory), holding the
``data/`` folder that OpenCompass's data archive unpacks to, so ``opencompass/gsm8k``
is ``$COMPASS_DATA_CACHE/data/gsm8k/``. A root that *is* that ``data/`` folder works
too, and so does OpenCompass's own download cache ``~/.cache/opencompass/``. Nothing is
ever downloaded: a missing id raises one :class:`DatasetError` saying where the files
are expected and how to get them.
"""
from __future__ import annotations

import os

from ..errors import DatasetError
from .datasets_info import ARCHIVE_URL, DATASET_IDS

__all__ = ['get_data_path', 'data_root', 'is_dataset_id', 'DEFAULT_DATA_FOLDER']

ENV_VAR = 'COMPASS_DATA_CACHE'
DEFAULT_DATA_FOLDER = os.path.join(os.path.expanduser('~'), '.cache', 'opencompass')


def data_root() -> str:
    """The folder holding ``data/``: ``$COMPASS_DATA_CACHE``, or ``.`` when unset."""
    return os.environ.get(ENV_VAR, '') or '.'


def is_dataset_id(path: object) -> bool:
    """True for an id this project maps to local files (``opencompass/gsm8k``, ...)."""
    return isinstance(path, str) and path in DATASET_IDS


def _candidates(relative: str) -> list[str]:
    root = data_root()
    found = [os.path.join(root, relative)]
    if relative.startswith('data/'):
        found.append(os.path.join(root, relative[len('data/'):]))  # root is the data folder
    found.append(os.path.join(DEFAULT_DATA_FOLDER, relative))
    return [os.path.normpath(p) + ('/' if relative.endswith('/') else '') for p in found]


def get_data_path(dataset_id: str, local_mode: bool = False) -> str:
    """The local path of ``dataset_id``.

    An absolute path is returned as is; a known OpenCompass id is looked up under the
    data root (see the module docstring) and must exist; any other relative path is
    taken under ``$COMPASS_DATA_CACHE`` when it exists there, else as given.
    ``local_mode`` is accepted for OpenCompass compatibility (ids never go to a hub).
    """
    if not isinstance(dataset_id, str) or os.path.isabs(dataset_id):
        return dataset_id
    if dataset_id in DATASET_IDS and not local_mode:
        relative = DATASET_IDS[dataset_id]
        candidates = _candidates(relative)
        for path in candidates:
            if os.path.exists(path):
                return path
        root = data_root()
        where = (f'{ENV_VAR}={root}' if os.environ.get(ENV_VAR)
                 else f'{ENV_VAR} is not set, so the data root is the current directory')
        raise DatasetError(
            f"dataset id '{dataset_id}': expected '{candidates[0]}' ({where}), which does not "
            f"exist; download {ARCHIVE_URL} and unzip it in {root} (it unpacks to data/), or "
            f'put the benchmark files at that path, or set {ENV_VAR} to the folder holding data/')
    cache = os.environ.get(ENV_VAR, '')
    if cache:
        under = os.path.join(cache, dataset_id)
        if os.path.exists(under):
            return under
    return dataset_id
