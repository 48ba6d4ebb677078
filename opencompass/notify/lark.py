"""``LarkReporter``: post rich-text messages to a Lark (Feishu) custom-bot webhook.

Messages are sent in order by one background thread, so a webhook that is down,
slow or failing never delays the evaluation: each request has a bounded timeout
and a couple of retries, the first failure logs one warning (later ones are
debug), and :meth:`LarkReporter.close` waits a bounded time for the queue to
drain. The webhook URL and the signing secret never appear in any log line.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import queue
import threading
import time
from typing import TYPE_CHECKING, Any

from ..utils.logging import get_logger

if TYPE_CHECKING:
    import requests

# Lark answers HTTP 200 with {"code": N, "msg": ...}; these codes mean "slow down"
RATE_LIMIT_CODES = frozenset({9499, 11232, 11233})


def lark_sign(secret: str, timestamp: int) -> str:
    """Signature of a signed custom bot: base64(HMAC-SHA256(key="TIMESTAMP\\nSECRET", msg=""))."""
    key = f'{timestamp}\n{secret}'.encode()
    return base64.b64encode(hmac.new(key, b'', digestmod=hashlib.sha256).digest()).decode()


def post_payload(title: str, lines: list[Any]) -> dict[str, Any]:
    """A Lark ``post`` message: ``lines`` are strings or lists of Lark post elements."""
    content = []
    for line in lines:
        if isinstance(line, str):
            content.append([{'tag': 'text', 'text': line}])
        else:
            content.append(list(line))
    body = {'title': title, 'content': content}
    return {'msg_type': 'post', 'content': {'post': {'zh_cn': body, 'en_us': body}}}


class DeliveryError(Exception):
    """One failed delivery; ``retry`` says whether trying again may help."""

    def __init__(self, message: str, retry: bool):
        super().__init__(message)
        self.retry = retry


class LarkReporter:
    """Sends Lark messages in the background; never raises into the caller."""

    def __init__(self, url: str, secret: str | None = None, timeout: float = 5.0,
                 retries: int = 2, backoff: float = 0.5, drain_timeout: float = 15.0):
        self.url = url
        self.secret = secret or None
        from ..utils.redaction import register
        for value in (url, url.rstrip('/').rsplit('/', 1)[-1], self.secret):
            register(value)  # the webhook (and its token) and the secret are scrubbed everywhere
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.drain_timeout = float(drain_timeout)
        self.sent = 0
        self.failed = 0
        self._warned = False
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()  # None: stop
        self._thread: threading.Thread | None = None
        self._session: requests.Session | None = None

    # -- public API --------------------------------------------------------------
    def post(self, title: str, lines: list[Any]) -> None:
        """Queue a rich-text message; returns at once."""
        self.send(post_payload(title, lines))

    def send(self, payload: dict[str, Any]) -> None:
        """Queue a raw message payload (``msg_type`` + ``content``)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._worker, name='lark-reporter',
                                            daemon=True)
            self._thread.start()
        self._queue.put(payload)

    def close(self) -> None:
        """Wait (at most ``drain_timeout`` seconds) for queued messages, then stop."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(self.drain_timeout)
        if self._thread.is_alive():
            self._note_failure(f'gave up on {self._queue.qsize()} unsent message(s) after '
                               f'{self.drain_timeout:.0f}s')
        self._thread = None

    # -- delivery ----------------------------------------------------------------
    def _worker(self) -> None:
        while True:
            payload = self._queue.get()
            if payload is None:
                return
            self.deliver(payload)

    def deliver(self, payload: dict[str, Any]) -> bool:
        """Send one message now, with retries; True when Lark accepted it."""
        # after a message failed for good, do not spend retries on every later one
        attempts = 1 + (self.retries if not self.failed else 0)
        for attempt in range(attempts):
            try:
                self._post_once(payload)
                self.sent += 1
                return True
            except DeliveryError as e:
                if not e.retry or attempt == attempts - 1:
                    self.failed += 1
                    self._note_failure(str(e))
                    return False
                time.sleep(self.backoff * (2 ** attempt))
        return False

    def _post_once(self, payload: dict[str, Any]) -> None:
        import requests
        body = dict(payload)
        if self.secret:
            ts = int(time.time())
            body['timestamp'] = str(ts)
            body['sign'] = lark_sign(self.secret, ts)
        if self._session is None:
            self._session = requests.Session()
        from ..utils.redaction import scrub
        data = scrub(json.dumps(body, ensure_ascii=False))  # no known secret is ever sent
        try:
            resp = self._session.post(self.url, data=data.encode('utf-8'),
                                      headers={'Content-Type': 'application/json'},
                                      timeout=(min(self.timeout, 3.0), self.timeout))
        except requests.Timeout:
            raise DeliveryError(f'no answer within {self.timeout:.0f}s', retry=True) from None
        except requests.RequestException as e:
            raise DeliveryError(f'cannot connect ({type(e).__name__})', retry=True) from None
        if resp.status_code == 429 or resp.status_code >= 500:
            raise DeliveryError(f'HTTP {resp.status_code}', retry=True)
        try:
            answer = resp.json()
        except ValueError:
            answer = None
        if resp.status_code >= 400:
            detail = f": {answer.get('msg')}" if isinstance(answer, dict) and answer.get('msg') \
                else ''
            raise DeliveryError(f'HTTP {resp.status_code}{detail}', retry=False)
        if isinstance(answer, dict):
            code = answer.get('code', answer.get('StatusCode', 0))
            if code not in (0, None):
                msg = str(answer.get('msg') or answer.get('StatusMessage') or '')
                raise DeliveryError(f'Lark error {code}: {self._scrub(msg)[:200]}',
                                    retry=code in RATE_LIMIT_CODES)

    def _scrub(self, text: str) -> str:
        """Remove the URL (and its path), the secret and every other known secret."""
        from ..utils.redaction import scrub
        text = scrub(text)
        for secret in (self.url, self.url.split('://', 1)[-1].split('/', 1)[-1], self.secret):
            if secret:
                text = text.replace(secret, '<redacted>')
        return text

    def _note_failure(self, reason: str) -> None:
        logger = get_logger()
        message = f'Lark bot: message not delivered: {self._scrub(reason)}'
        if self._warned:
            logger.debug(message)
            return
        self._warned = True
        logger.warning('%s (the run goes on; further Lark failures are logged at debug level)',
                       message)
