"""Turn configs (with classes and functions inside) into plain JSON and back."""
from __future__ import annotations

import hashlib
import json
from collections.abc import MutableMapping
from typing import Any

from ..registry import dotted_name

SECRET_KEYS = frozenset({'key', 'api_key', 'lark_bot_url', 'lark_bot_secret', 'secret'})
REDACTED = '<redacted>'


def to_plain(obj: Any) -> Any:
    """Classes and functions become dotted import paths; mappings and sequences recurse."""
    if isinstance(obj, dict):
        return {str(k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    if isinstance(obj, type) or callable(obj):
        return dotted_name(obj)
    return str(obj)


def redact(obj: Any) -> Any:
    """A copy of a plain config with secret values replaced, for dumps and logs."""
    if isinstance(obj, dict):
        return {k: (REDACTED if k in SECRET_KEYS and v else redact(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [redact(v) for v in obj]
    return obj


def externalize_secrets(obj: Any, env: MutableMapping[str, str] | None = None) -> Any:
    """A copy where literal API keys become ``$OC_SECRET_<hash>`` references.

    The values go into ``env`` (default ``os.environ``), which task processes
    inherit, so task files on disk never hold a key in clear. Keys that already
    name an environment variable (``'ENV'``, ``'$NAME'``, ``'ENV:NAME'``) are kept.
    """
    import os
    target = os.environ if env is None else env

    def move(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return [move(v) for v in value]
        if not isinstance(value, str) or not value or value == 'ENV' or \
                value.startswith(('$', 'ENV:')):
            return value
        name = 'OC_SECRET_' + hashlib.sha256(value.encode()).hexdigest()[:12].upper()
        target[name] = value
        return '$' + name

    if isinstance(obj, dict):
        return {k: (move(v) if k in ('key', 'api_key') else externalize_secrets(v, target))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [externalize_secrets(v, target) for v in obj]
    return obj


def fingerprint(*parts: Any) -> str:
    """A short stable hash of plain-JSON data, used to tell stale outputs from fresh."""
    blob = json.dumps([to_plain(p) for p in parts], sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def short_type(value: Any) -> str:
    """``'opencompass.models.huggingface.HuggingFaceCausalLM'`` -> ``'HuggingFaceCausalLM'``."""
    text = value if isinstance(value, str) else dotted_name(value)
    return text.rsplit('.', 1)[-1]
