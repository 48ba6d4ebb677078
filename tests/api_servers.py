"""Real HTTP servers for API-model tests and benchmarks (no mocks: sockets, HTTP, JSON).

* :class:`FakeOpenAI` - a small OpenAI-compatible server whose answers are an oracle
  for the test datasets (``What is a + b?`` -> the sum; ``letter number N`` -> the
  letter, via echoed prompt logprobs) and which injects failures on demand: 429
  with ``Retry-After``, 500s, slow answers, garbage, a cap on concurrent requests,
  a hang after N answers (to kill a run mid-way), a required key.
* :func:`serve_transformers` - ``transformers serve`` of a local model directory on
  127.0.0.1, started as a subprocess and stopped by its PID.

Run ``python tests/api_servers.py --port P --latency L`` for a stand-alone server
with a fixed latency (used by ``benchmarks/api_throughput.py``).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from helpers import free_port

SUM = re.compile(r'What is (\d+) \+ (\d+)\?')
LETTER = re.compile(r'letter is number (\d)')


def oracle(prompt: str) -> str:
    m = SUM.search(prompt)
    return f' {int(m.group(1)) + int(m.group(2))}' if m else ' ok'


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True


class FakeOpenAI:
    """An OpenAI-compatible endpoint in a background thread; see the module docstring.

    ``faults`` is consumed one per request, in arrival order: ``'429'``, ``'500'``,
    ``'502'``, ``'slow'`` (sleep ``slow_seconds`` then answer), ``'garbage'`` (200 with
    non-JSON), ``'empty'`` (200 with no choices). ``fail_if`` substrings make matching
    prompts fail with 500 forever. ``max_concurrent`` answers 429 above that many
    requests in flight. ``respond(prompt) -> text`` replaces the oracle (an LLM judge, a
    candidate with chosen answers). ``hang_after`` answers that many requests, then holds every
    later one until :meth:`release`. ``echo_secrets`` makes error answers quote what the
    client sent, as careless servers do: a 401 names the key it got ("Incorrect API key
    provided: sk-..."), a 5xx quotes the Authorization header and the request body.
    """

    def __init__(self, latency: float = 0.0, faults: list[str] | None = None,
                 retry_after: float = 1.0, slow_seconds: float = 3.0,
                 fail_if: list[str] | None = None, max_concurrent: int | None = None,
                 hang_after: int | None = None, key: str | None = None,
                 logprobs: bool = True, port: int = 0, echo_secrets: bool = False,
                 respond: Any = None):
        self.respond = respond or oracle  # prompt -> answer text (a judge, a candidate...)
        self.latency = latency
        self.faults = collections.deque(faults or [])
        self.retry_after = retry_after
        self.slow_seconds = slow_seconds
        self.fail_if = list(fail_if or [])
        self.max_concurrent = max_concurrent
        self.hang_after = hang_after
        self.key = key
        self.logprobs = logprobs
        self.echo_secrets = echo_secrets
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.requests = 0
        self.arrivals: list[float] = []  # time.monotonic() of every POST, in arrival order
        self.answered: collections.Counter = collections.Counter()  # prompt -> 200 answers
        self.statuses: collections.Counter = collections.Counter()
        self.in_flight = 0
        self.peak = 0
        self.server = _Server(('127.0.0.1', port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f'http://127.0.0.1:{self.server.server_address[1]}/v1'

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def release(self) -> None:
        self.released.set()

    # -- answers -----------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            disable_nagle_algorithm = True  # headers and body go out as two writes

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
                with fake.lock:
                    fake.statuses[status] += 1

            def do_GET(self) -> None:
                self._send(200, json.dumps({'object': 'list', 'data': [{'id': 'fake'}]}).encode())

            def do_POST(self) -> None:
                length = int(self.headers.get('Content-Length') or 0)
                body = json.loads(self.rfile.read(length) or b'{}')
                with fake.lock:
                    fake.requests += 1
                    fake.arrivals.append(time.monotonic())
                    fake.in_flight += 1
                    fake.peak = max(fake.peak, fake.in_flight)
                try:
                    fake.answer(self, body)
                finally:
                    with fake.lock:
                        fake.in_flight -= 1

        return Handler

    def answer(self, h: Any, body: dict) -> None:
        auth = h.headers.get('Authorization') or ''
        if self.key and auth != f'Bearer {self.key}':
            message = (f'Incorrect API key provided: {auth.split(" ", 1)[-1]}. You can find your '
                       'API key at https://example.invalid' if self.echo_secrets else 'invalid api key')
            return h._send(401, json.dumps({'error': {'message': message}}).encode())
        chat = 'messages' in body
        prompt = '\n'.join(m['content'] for m in body['messages']) if chat else body['prompt']
        with self.lock:
            fault = self.faults.popleft() if self.faults else None
            crowded = self.max_concurrent is not None and self.in_flight > self.max_concurrent
        if crowded or fault == '429':
            return h._send(429, b'{"error": "rate limited"}',
                           {'Retry-After': f'{self.retry_after:g}'})
        if fault in ('500', '502') or any(s in prompt for s in self.fail_if):
            options = {k: v for k, v in body.items() if k not in ('messages', 'prompt')}
            detail = f'internal error (Authorization: {auth}) handling {json.dumps(options)}' \
                if self.echo_secrets else 'internal error'
            return h._send(int(fault or 500), json.dumps({'error': detail}).encode())
        if fault == 'slow':
            time.sleep(self.slow_seconds)
        if fault == 'garbage':
            return h._send(200, b'<html>upstream gateway says hi</html>')
        if fault == 'empty':
            return h._send(200, b'{"choices": []}')
        if self.hang_after is not None:
            with self.lock:
                hang = sum(self.answered.values()) >= self.hang_after
            if hang:  # held until release(), then dropped unanswered (its client is dead)
                self.released.wait()
                h.close_connection = True
                return None
        if self.latency:
            time.sleep(self.latency)
        if body.get('echo') and body.get('logprobs') is not None:
            return h._send(200, json.dumps(self._logprobs(prompt)).encode())
        text = self.respond(prompt)
        choice = ({'index': 0, 'message': {'role': 'assistant', 'content': text},
                   'finish_reason': 'stop'} if chat else
                  {'index': 0, 'text': text, 'finish_reason': 'stop'})
        usage = {'prompt_tokens': len(prompt.split()), 'completion_tokens': len(text.split()),
                 'total_tokens': len(prompt.split()) + len(text.split())}
        with self.lock:
            self.answered[prompt] += 1
        h._send(200, json.dumps({'object': 'chat.completion' if chat else 'text_completion',
                                 'choices': [choice], 'usage': usage}).encode())

    def _logprobs(self, prompt: str) -> dict:
        """Echoed prompt tokens (words); the right letter answer is likely, others are not."""
        if not self.logprobs:
            return {'choices': [{'index': 0, 'text': prompt + ' x', 'logprobs': None}]}
        words = prompt.split(' ')
        m = LETTER.search(prompt)
        right = 'ABCD'[int(m.group(1)) - 1] if m else None
        tokens, offsets, values, pos = [], [], [], 0
        for i, w in enumerate(words):
            tok = w if i == 0 else ' ' + w
            tokens.append(tok)
            offsets.append(pos)
            pos += len(tok)
            wrong = right is not None and i == len(words) - 1 and w.strip() != right
            values.append(None if i == 0 else (-5.0 if wrong else -1.0))
        tokens.append(' x')
        offsets.append(pos)
        values.append(-0.5)
        with self.lock:
            self.answered[prompt] += 1
        return {'choices': [{'index': 0, 'text': prompt + ' x', 'finish_reason': 'length',
                             'logprobs': {'tokens': tokens, 'token_logprobs': values,
                                          'text_offset': offsets, 'top_logprobs': None}}],
                'usage': {'prompt_tokens': len(words), 'completion_tokens': 1}}


class ServedModel:
    """``transformers serve MODEL_DIR`` on 127.0.0.1; ``base_url`` once ready."""

    def __init__(self, model_dir: str, log_path: str, port: int | None = None,
                 ready_timeout: float = 180.0, continuous_batching: bool = False):
        self.model_dir = model_dir
        self.port = port or free_port()
        self.log_path = log_path
        exe = os.path.join(os.path.dirname(sys.executable), 'transformers')
        env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'OMP_NUM_THREADS': '1',
               'TOKENIZERS_PARALLELISM': 'false'}
        self._log = open(log_path, 'w')
        self.proc = subprocess.Popen(
            [exe, 'serve', model_dir, '--host', '127.0.0.1', '--port', str(self.port),
             # continuous batching works on CPU but its first request warms up for ~1 min
             '--continuous-batching' if continuous_batching else '--no-continuous-batching',
             '--log-level', 'warning'],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True)
        self._wait_ready(ready_timeout)

    @property
    def base_url(self) -> str:
        return f'http://127.0.0.1:{self.port}/v1'

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError('transformers serve exited:\n' + open(self.log_path).read()[-2000:])
            try:
                with urllib.request.urlopen(f'http://127.0.0.1:{self.port}/health', timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f'transformers serve not ready after {timeout:g} s')

    def stop(self) -> None:
        """Stop the server by its PID (SIGTERM, then SIGKILL)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--latency', type=float, default=0.5)
    args = parser.parse_args()
    with FakeOpenAI(latency=args.latency, port=args.port) as fake:
        print(f'ready {fake.base_url}', flush=True)
        fake.thread.join()


if __name__ == '__main__':
    main()
