"""The secrets a run knows, and the one function that scrubs them: :func:`scrub`.

Every secret is registered once, when it becomes known: API keys and tokens from the
config (under any key whose name marks a secret, at any depth) or from the environment,
passwords in URLs (``http://user:PW@host``), the Lark webhook and its signing secret.
What the run writes or sends passes through :func:`scrub` at a few choke points: the
logger's formatter, ``sys.stdout``/``sys.stderr`` of the driver and of task processes,
the atomic file writers and journals, the Lark sender, and error texts quoting a
server's reply. Each secret is matched in the forms it is likely to travel in: as is,
URL-encoded, JSON- and HTML-escaped, and base64-encoded (at any alignment).

Task processes rebuild the registry from their environment: literal secrets travel
there as ``OC_SECRET_*`` variables (see ``serialize.externalize_secrets``), and
``OC_REDACT_ENV`` names the other variables the config refers to (``key='$MY_KEY'``).
No secret value is ever written to disk for this.
"""
from __future__ import annotations

import base64
import html
import json
import os
import re
import threading
from collections.abc import Iterator
from typing import Any, TextIO
from urllib.parse import quote, quote_plus, unquote

REDACTED = '<redacted>'
MIN_SECRET_LEN = 6  # shorter values would scrub ordinary words and digits from the results
ENV_NAMES_VAR = 'OC_REDACT_ENV'
DEFAULT_KEY_ENV = 'OPENAI_API_KEY'
PLACEHOLDERS = frozenset({'', 'EMPTY', 'ENV', 'NONE', 'NULL', 'DUMMY', 'TRUE', 'FALSE'})

_EXACT_NAMES = frozenset({'key', 'token', 'lark_bot_url', 'bearer', 'cookie', 'pwd', 'pass'})
_NAME_ENDINGS = ('api_key', 'apikey', 'secret_key', 'access_key', 'private_key', 'access_token',
                 'auth_token', 'api_token', 'hf_token', 'bearer_token', 'refresh_token',
                 'session_token')
_NAME_PARTS = ('secret', 'password', 'passwd', 'authorization', 'credential')
_ENV_PARTS = frozenset({'KEY', 'APIKEY', 'TOKEN', 'SECRET', 'PASSWORD', 'PASSWD', 'PASS',
                        'CREDENTIAL', 'CREDENTIALS', 'AUTHORIZATION', 'COOKIE'})
_URL_CREDENTIALS = re.compile(r'([A-Za-z][A-Za-z0-9+.-]*://)([^/@\s:]*):([^/@\s]+)@')
_ENV_REF = re.compile(r'^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$')
_AUTH_SCHEME = re.compile(r'^(?:Bearer|Basic|Token|Bot|ApiKey)\s+(\S+)$', re.IGNORECASE)


def is_secret_name(name: Any) -> bool:
    """True when a config key's name says its value is a secret (``api_key``, ``token``...)."""
    text = str(name).strip().lower().replace('-', '_')
    return text in _EXACT_NAMES or text.endswith(_NAME_ENDINGS) or \
        any(part in text for part in _NAME_PARTS)


def is_secret_env_name(name: str) -> bool:
    """True for environment variables named like secrets (``OPENAI_API_KEY``, ``HF_TOKEN``)."""
    return bool(_ENV_PARTS.intersection(name.upper().split('_')))


def env_reference(value: Any) -> str | None:
    """The variable a key refers to: ``'ENV'``, ``'ENV:NAME'``, ``'$NAME'``, ``'${NAME}'``."""
    if not isinstance(value, str):
        return None
    if value == 'ENV':
        return DEFAULT_KEY_ENV
    if value.startswith('ENV:'):
        return value[4:] or None
    match = _ENV_REF.match(value)
    return match.group(1) if match else None


def url_credentials(text: str) -> Iterator[tuple[str, str]]:
    """``(user, password)`` of every ``scheme://user:password@`` in ``text``."""
    for match in _URL_CREDENTIALS.finditer(text):
        yield match.group(2), match.group(3)


def _base64_cores(raw: bytes) -> Iterator[str]:
    """The part of base64(...x...) that depends only on ``x``, for each of the 3 alignments."""
    for offset in range(3):
        encoded = base64.b64encode(b'\0' * offset + raw).decode()
        end = 4 * ((offset + len(raw)) // 3)
        core = encoded[(4 if offset else 0):end]
        if len(core) >= 8:
            yield core
            yield core.replace('+', '-').replace('/', '_')


def variants(value: str) -> set[str]:
    """The forms in which ``value`` may appear in text the run writes."""
    forms = {value, quote(value, safe=''), quote(value), quote_plus(value),
             json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
             html.escape(value), html.escape(value, quote=False)}
    forms.update(_base64_cores(value.encode()))
    return {f for f in forms if len(f) >= MIN_SECRET_LEN}


class SecretRegistry:
    """The secret values known to this process; :meth:`scrub` removes them from text."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._forms: set[str] = set()
        self._snapshot: tuple[str, ...] = ()  # the forms, longest first (read without lock)
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def add(self, value: Any) -> bool:
        """Register a secret (and the credentials inside it); False if it is too short to scrub."""
        if not isinstance(value, str):
            return False
        value = value.strip()
        if value.upper() in PLACEHOLDERS or env_reference(value) or \
                value.startswith('$OC_SECRET_'):
            return False
        self.add_url_credentials(value)
        scheme = _AUTH_SCHEME.match(value)
        if scheme:
            self.add(scheme.group(1))
        if len(value) < MIN_SECRET_LEN:
            return False
        with self._lock:
            if value not in self._values:
                self._values.add(value)
                self._forms.update(variants(value))
                self._snapshot = tuple(sorted(self._forms, key=len, reverse=True))
                self._pattern = None
        return True

    def add_url_credentials(self, text: str) -> None:
        """Register the password (and ``user:password``) of every URL in ``text``."""
        for user, password in url_credentials(text):
            for value in {password, unquote(password)}:
                self.add(value)
                self.add(f'{unquote(user)}:{value}')

    def scrub(self, text: str) -> str:
        """``text`` with every known secret (in any of its forms) replaced by ``<redacted>``."""
        forms = self._snapshot
        if not forms or not text or not any(form in text for form in forms):
            return text  # the common case, several times faster than the regex
        pattern = self._pattern
        if pattern is None:
            with self._lock:
                forms = self._snapshot
                pattern = self._pattern = re.compile('|'.join(re.escape(f) for f in forms))
        return pattern.sub(REDACTED, text)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._forms.clear()
            self._snapshot = ()
            self._pattern = None


REGISTRY = SecretRegistry()


def register(value: Any) -> bool:
    return REGISTRY.add(value)


def scrub(text: str) -> str:
    return REGISTRY.scrub(text)


def scrub_obj(obj: Any) -> Any:
    """A copy of plain JSON data with secrets scrubbed from every string (keys too)."""
    if isinstance(obj, str):
        return REGISTRY.scrub(obj)
    if isinstance(obj, dict):
        return {scrub_obj(k): scrub_obj(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [scrub_obj(v) for v in obj]
    return obj


def _remember_env_name(name: str) -> None:
    names = [n for n in os.environ.get(ENV_NAMES_VAR, '').split(',') if n]
    if name not in names:
        os.environ[ENV_NAMES_VAR] = ','.join([*names, name])


def register_config(cfg: Any, secret: bool = False) -> None:
    """Register every secret in a config: values under secret names (any depth), the
    variables they refer to (``key='ENV'``, ``'$NAME'``, ``'ENV:NAME'``), URL credentials."""
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            register_config(value, secret or is_secret_name(key))
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            register_config(value, secret)
    elif isinstance(cfg, str):
        name = env_reference(cfg) if secret else None
        if name:
            _remember_env_name(name)  # task processes register it from their environment
            register(os.environ.get(name))
        elif secret:
            register(cfg)
        else:
            REGISTRY.add_url_credentials(cfg)


def register_environment(environ: Any = None) -> None:
    """Register the secrets of the environment: the variables ``OC_REDACT_ENV`` names,
    those named like secrets (``*_API_KEY``, ``OC_SECRET_*``...) and URL credentials."""
    env = os.environ if environ is None else environ
    named = {n for n in env.get(ENV_NAMES_VAR, '').split(',') if n}
    for name, value in env.items():
        if name in named:
            register(value)
        elif is_secret_env_name(name) and not os.path.exists(value):  # GNUPG_KEY_DIR=/x: no
            register(value)
        elif '@' in value:
            REGISTRY.add_url_credentials(value)


class RedactingStream:
    """A text stream that scrubs secrets from everything written through it."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(REGISTRY.scrub(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def redact_std_streams() -> None:
    """Scrub ``sys.stdout`` and ``sys.stderr`` of this process (idempotent)."""
    import sys
    if not isinstance(sys.stdout, RedactingStream) and sys.stdout is not None:
        sys.stdout = RedactingStream(sys.stdout)
    if not isinstance(sys.stderr, RedactingStream) and sys.stderr is not None:
        sys.stderr = RedactingStream(sys.stderr)
