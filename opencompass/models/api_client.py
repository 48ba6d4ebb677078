"""HTTP machinery for API models: adaptive concurrency, rate limiting, retries, a sliding window.

Only ``requests`` and the standard library: an API-only run never imports torch.

* :class:`AdaptiveLimiter` caps requests in flight with an AIMD window: it halves on
  429/5xx (at most once per window of in-flight requests), pauses everyone for a
  ``Retry-After``, and grows back as answers succeed (fast once the endpoint has been
  healthy for a while).
* :class:`RateLimiter` spaces request starts to honour ``query_per_second``.
* :class:`ApiClient` posts JSON with retries (exponential backoff with jitter);
  failures are classified as retryable, per-sample, or fatal for the whole task.
* :func:`run_window` runs many requests through a fixed pool of threads and yields
  each result as soon as it arrives (a sliding window, not batches).
"""
from __future__ import annotations

import queue
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests

from ..errors import ModelError
from ..utils.logging import get_logger

OVERLOAD_STATUS = frozenset({429, 500, 502, 503, 504, 520, 522, 524, 529})
MAX_RETRY_AFTER = 300.0


class SampleFailure(Exception):
    """This request cannot succeed (retries exhausted or rejected): record the sample as failed."""


class FatalApiError(ModelError):
    """The endpoint cannot serve this task at all (bad key, wrong URL or model, unreachable)."""


class MalformedResponse(Exception):
    """The endpoint answered 200 with something that is not a usable answer (retryable)."""


@dataclass
class Answer:
    """A parsed answer and how many HTTP attempts it took."""

    value: Any
    attempts: int


class AdaptiveLimiter:
    """AIMD concurrency window shared by all threads of one client."""

    def __init__(self, max_limit: int, recover_after: float = 5.0):
        self.max_limit = max(1, int(max_limit))
        self.limit = float(self.max_limit)
        self.in_flight = 0
        self.pause_until = 0.0
        self.recover_after = recover_after
        self.last_decrease = 0.0
        self.generation = 0
        self.decreases = 0
        self._cond = threading.Condition()

    def acquire(self, stop: threading.Event | None = None) -> int:
        """Wait for a free slot (and the end of any Retry-After pause); returns a ticket."""
        with self._cond:
            while True:
                if stop is not None and stop.is_set():
                    raise InterruptedError
                wait = self.pause_until - time.monotonic()
                if wait <= 0 and self.in_flight < int(self.limit):
                    self.in_flight += 1
                    return self.generation
                self._cond.wait(timeout=min(wait, 0.5) if wait > 0 else 0.5)

    def release(self, ticket: int, overloaded: bool = False,
                retry_after: float | None = None) -> None:
        """Return a slot; ``overloaded`` shrinks the window, success grows it."""
        now = time.monotonic()
        with self._cond:
            self.in_flight -= 1
            if retry_after:
                self.pause_until = max(self.pause_until, now + min(retry_after, MAX_RETRY_AFTER))
            if overloaded:
                if ticket == self.generation:  # one decrease per window of requests
                    self.limit = max(1.0, self.limit / 2)
                    self.generation += 1
                    self.last_decrease = now
                    self.decreases += 1
            elif self.limit < self.max_limit:
                healthy = now - self.last_decrease > self.recover_after
                self.limit = min(float(self.max_limit),
                                 self.limit + (1.0 if healthy else 1.0 / self.limit))
            self._cond.notify_all()


class RateLimiter:
    """Space request starts at least ``1/qps`` apart (no limit when ``qps`` is falsy)."""

    def __init__(self, qps: float | None):
        self.interval = 1.0 / float(qps) if qps else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


# key-shaped words in a server's reply, even keys this run does not know (another user's)
_KEY_LIKE = re.compile(r'\b(?:sk|pk|rk|hf)[-_][A-Za-z0-9_\-]{16,}|(?i:bearer)\s+[A-Za-z0-9._~+/=\-]{8,}')


def _brief(text: Any, limit: int = 160) -> str:
    """One line of an error or a server's reply, without any secret it may echo."""
    from ..utils.redaction import REDACTED, scrub
    line = _KEY_LIKE.sub(REDACTED, scrub(' '.join(str(text).split())))
    return line if len(line) <= limit else line[:limit] + '...'


def _unreachable(error: Exception) -> str | None:
    """Why no connection could be opened at all (refused, unknown host), else None."""
    from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError
    cause = error.args[0] if error.args else None
    reason = getattr(cause, 'reason', None) if isinstance(cause, MaxRetryError) else None
    if isinstance(reason, NameResolutionError):
        return 'host name not found'
    if isinstance(reason, NewConnectionError) and not isinstance(
            error, requests.exceptions.ConnectTimeout):
        return 'connection refused' if 'refused' in str(reason).lower() else \
            f'cannot connect ({_brief(reason, 80)})'
    return None


class ApiClient:
    """POST JSON to ``base_url + path`` politely, with retries and an adaptive window."""

    def __init__(self, base_url: str, headers: dict[str, str], max_workers: int = 32,
                 query_per_second: float | None = None, retry: int = 5, timeout: float = 120.0,
                 backoff: float = 1.0, max_backoff: float = 60.0, rate_limit_retry: int = 30,
                 proxy: str | None = None):
        self.base_url = base_url.rstrip('/')
        self.max_workers = max(1, int(max_workers))
        self.retry = max(0, int(retry))
        self.rate_limit_retry = max(self.retry, int(rate_limit_retry))
        self.timeout = float(timeout)
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.limiter = AdaptiveLimiter(self.max_workers)
        self.rate = RateLimiter(query_per_second)
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=1,
                                                pool_maxsize=self.max_workers, max_retries=0)
        self.session.mount('http://', adapter)
        self.session.mount('https://', adapter)
        self.session.headers.update(headers)
        from ..utils.redaction import REGISTRY, is_secret_name
        for name, value in headers.items():
            if is_secret_name(name):
                REGISTRY.add(value)  # 'Bearer KEY' registers KEY too
        REGISTRY.add_url_credentials(self.base_url)
        # read proxy/CA settings from the environment once, not on every request
        env = self.session.merge_environment_settings(self.base_url, {}, None, None, None)
        self.session.proxies.update(env.get('proxies') or {})
        self.session.verify = env.get('verify', True)
        if env.get('cert'):
            self.session.cert = env['cert']
        self.session.trust_env = False
        if proxy:
            self.session.proxies.update({'http': proxy, 'https': proxy})
        self.stats = {'requests': 0, 'retries': 0, 'overloaded': 0}
        self._stats_lock = threading.Lock()

    def url(self, path: str) -> str:
        return f'{self.base_url}/{path.lstrip("/")}'

    def _count(self, key: str) -> None:
        with self._stats_lock:
            self.stats[key] += 1

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff with jitter; never shorter than the server's Retry-After."""
        base = min(self.max_backoff, self.backoff * (2 ** attempt))
        delay = random.uniform(base / 2, base)
        return max(delay, min(retry_after or 0.0, MAX_RETRY_AFTER))

    def post(self, path: str, payload: dict[str, Any], parse: Callable[[dict[str, Any]], Any],
             stop: threading.Event | None = None) -> Answer:
        """One logical request: retried until ``parse`` accepts an answer or the budget ends.

        Raises :class:`SampleFailure` (give up on this sample) or :class:`FatalApiError`.
        """
        url = self.url(path)
        errors = rate_limited = refused = 0
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            ticket = self.limiter.acquire(stop)
            overloaded = False
            try:
                self.rate.wait()
                self._count('requests')
                try:
                    resp = self.session.post(url, json=payload, timeout=self.timeout)
                except requests.exceptions.ConnectionError as e:
                    unreachable = _unreachable(e)
                    if unreachable:
                        refused += 1
                        reason = unreachable
                    else:
                        reason = f'connection error: {_brief(e, 120)}'
                    errors += 1
                except requests.exceptions.Timeout:
                    errors += 1
                    reason = f'no answer within {self.timeout:g} s (timeout)'
                else:
                    status = resp.status_code
                    if status == 200:
                        try:
                            return Answer(parse(resp.json()), attempt)
                        except (ValueError, KeyError, IndexError, TypeError,
                                MalformedResponse) as e:
                            errors += 1
                            reason = f'malformed answer ({_brief(e, 80)}): {_brief(resp.text, 80)}'
                    elif status in OVERLOAD_STATUS:
                        overloaded = True
                        self._count('overloaded')
                        retry_after = parse_retry_after(resp.headers.get('Retry-After'))
                        reason = f'HTTP {status}: {_brief(resp.text, 120)}'
                        if status == 429:
                            rate_limited += 1
                        else:
                            errors += 1
                    elif status in (401, 403):
                        raise FatalApiError(f'the API at {url} rejected the request with HTTP '
                                            f'{status} (check the key): {_brief(resp.text)}')
                    elif status == 404:
                        raise FatalApiError(f'the API at {url} answered HTTP 404 (wrong '
                                            f'openai_api_base or model name?): {_brief(resp.text)}')
                    else:
                        raise SampleFailure(f'HTTP {status}: {_brief(resp.text)}')
            finally:
                self.limiter.release(ticket, overloaded=overloaded, retry_after=retry_after)
            if refused and refused == attempt and refused > self.retry:
                raise FatalApiError(f'cannot reach the API at {url}: {reason} '
                                    f'({attempt} attempts); is the server running?')
            if errors > self.retry or rate_limited > self.rate_limit_retry:
                raise SampleFailure(f'{reason} (gave up after {attempt} attempts)')
            self._count('retries')
            delay = self._delay(min(errors + rate_limited, 10) - 1, retry_after)
            get_logger().debug('retrying %s in %.1f s: %s', url, delay, reason)
            if stop is not None and stop.wait(delay):
                raise InterruptedError
            elif stop is None:
                time.sleep(delay)

    def close(self) -> None:
        self.session.close()


def run_window(client: ApiClient, jobs: list[tuple[str, dict[str, Any], Callable[[dict[str, Any]], Any]]]
               ) -> Iterator[list[tuple[int, Answer | SampleFailure]]]:
    """Run ``(path, payload, parse)`` jobs with up to ``client.max_workers`` in flight.

    Yields, in completion order, lists of the ``(index, Answer | SampleFailure)`` that
    arrived since the last yield (at least one), so a consumer that persists results
    pays one write per burst rather than per answer. A :class:`FatalApiError` stops
    the remaining work and is raised to the caller.
    """
    if not jobs:
        return
    results: queue.Queue[tuple[int, Answer | BaseException]] = queue.Queue()
    stop = threading.Event()
    cursor = iter(range(len(jobs)))
    lock = threading.Lock()

    def worker() -> None:
        while not stop.is_set():
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            path, payload, parse = jobs[index]
            try:
                results.put((index, client.post(path, payload, parse, stop)))
            except SampleFailure as e:
                results.put((index, e))
            except InterruptedError:
                return
            except BaseException as e:  # noqa: BLE001 - handed to the consumer thread
                stop.set()
                results.put((index, e))
                return

    threads = [threading.Thread(target=worker, daemon=True, name=f'api-{i}')
               for i in range(min(client.max_workers, len(jobs)))]
    for t in threads:
        t.start()
    try:
        remaining = len(jobs)
        while remaining:
            burst = [results.get()]
            while len(burst) < remaining:
                try:
                    burst.append(results.get_nowait())
                except queue.Empty:
                    break
            done: list[tuple[int, Answer | SampleFailure]] = []
            for index, outcome in burst:
                if isinstance(outcome, BaseException) and not isinstance(outcome, SampleFailure):
                    raise outcome
                done.append((index, outcome))
            remaining -= len(burst)
            yield done
    finally:
        stop.set()
