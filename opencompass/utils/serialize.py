"""Turn configs (with classes and functions inside) into plain JSON and back."""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import MutableMapping
from typing import Any

from ..registry import dotted_name

REDACTED = '<redacted>'
_SECRET_REF = re.compile(r'\$OC_SECRET_[0-9A-F]{12}')


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
    """A copy of a plain config with secret values (and URL passwords) replaced, for dumps."""
    from .redaction import _URL_CREDENTIALS, is_secret_name
    if isinstance(obj, dict):
        return {k: (REDACTED if is_secret_name(k) and v else redact(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [redact(v) for v in obj]
    if isinstance(obj, str):
        return _URL_CREDENTIALS.sub(lambda m: f'{m.group(1)}{m.group(2)}:{REDACTED}@', obj)
    return obj


def externalize_secrets(obj: Any, env: MutableMapping[str, str] | None = None,
                        secret: bool = False) -> Any:
    """A copy where literal secrets become ``$OC_SECRET_<hash>`` references.

    Moved: values under a key whose name marks a secret (``key``, ``api_key``, ``token``,
    ``password``, ``Authorization``..., at any depth) and passwords in URLs. The values go
    into ``env`` (default ``os.environ``), which task processes inherit, so task files on
    disk never hold a secret in clear; :func:`internalize_secrets` puts them back when a
    component is built. Values that already name an environment variable (``'ENV'``,
    ``'$NAME'``, ``'ENV:NAME'``) are kept.
    """
    import os

    from .redaction import _URL_CREDENTIALS, env_reference, is_secret_name
    target = os.environ if env is None else env

    def ref(value: str) -> str:
        name = 'OC_SECRET_' + hashlib.sha256(value.encode()).hexdigest()[:12].upper()
        target[name] = value
        return '$' + name

    if isinstance(obj, dict):
        return {k: externalize_secrets(v, target, secret or is_secret_name(k))
                for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [externalize_secrets(v, target, secret) for v in obj]
    if not isinstance(obj, str) or not obj:
        return obj
    if secret:
        return obj if env_reference(obj) or _SECRET_REF.fullmatch(obj) else ref(obj)
    return _URL_CREDENTIALS.sub(
        lambda m: m.group(0) if _SECRET_REF.fullmatch(m.group(3)) else
        f'{m.group(1)}{m.group(2)}:{ref(m.group(3))}@', obj)


def internalize_secrets(obj: Any) -> Any:
    """Undo :func:`externalize_secrets` from this process's environment (in memory only)."""
    import os
    if isinstance(obj, dict):
        return {k: internalize_secrets(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [internalize_secrets(v) for v in obj]
    if isinstance(obj, str) and '$OC_SECRET_' in obj:
        return _SECRET_REF.sub(lambda m: os.environ.get(m.group(0)[1:], m.group(0)), obj)
    return obj


def fingerprint(*parts: Any) -> str:
    """A short stable hash of plain-JSON data, used to tell stale outputs from fresh."""
    blob = json.dumps([to_plain(p) for p in parts], sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def short_type(value: Any) -> str:
    """``'opencompass.models.huggingface.HuggingFaceCausalLM'`` -> ``'HuggingFaceCausalLM'``."""
    text = value if isinstance(value, str) else dotted_name(value)
    return text.rsplit('.', 1)[-1]
