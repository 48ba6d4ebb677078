"""A real HTTP server on 127.0.0.1 that behaves like a Lark custom-bot webhook.

It records every request, checks signatures as Lark does (``timestamp`` + ``sign``
in the body, HMAC-SHA256 keyed by ``"TIMESTAMP\\nSECRET"``), and can be told to be
down-ish: slow, HTTP 500, or answering Lark's error JSON.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def expected_sign(secret: str, timestamp: str) -> str:
    key = f'{timestamp}\n{secret}'.encode()
    return base64.b64encode(hmac.new(key, b'', hashlib.sha256).digest()).decode()


class LarkReceiver:
    """``mode``: 'ok', 'slow', 'hold' (until :meth:`release`), '500', 'lark_error';
    ``secret`` turns on signature checks."""

    def __init__(self, mode: str = 'ok', secret: str | None = None, delay: float = 3.0):
        self.mode = mode
        self.secret = secret
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get('Content-Length', 0))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {'_raw': raw.decode(errors='replace')}
                receiver.requests.append({'path': self.path, 'body': body, 'time': time.time()})
                if receiver.mode == 'slow':
                    time.sleep(receiver.delay)
                if receiver.mode == 'hold':
                    receiver.released.wait()
                if receiver.mode == '500':
                    return self._answer(500, {'error': 'internal'})
                if receiver.mode == 'lark_error':
                    return self._answer(200, {'code': 19021, 'msg': 'sign match fail or '
                                              'timestamp is not within one hour', 'data': {}})
                if receiver.secret is not None:
                    ts, sign = str(body.get('timestamp', '')), body.get('sign')
                    if sign != expected_sign(receiver.secret, ts) or \
                            abs(time.time() - int(ts or 0)) > 3600:
                        receiver.bad_signatures += 1
                        return self._answer(200, {'code': 19021, 'msg': 'sign match fail',
                                                  'data': {}})
                self._answer(200, {'code': 0, 'msg': 'success', 'data': {}})

            def _answer(self, status: int, obj: dict) -> None:
                data = json.dumps(obj).encode()
                try:
                    self.send_response(status)
                    self.send_header('Content-Type', 'application/json')
                    self.send_header('Content-Length', str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (timeout)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.url = f'http://127.0.0.1:{self.server.server_address[1]}/open-apis/bot/v2/hook/' \
                   'TOKEN-abc123'
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LarkReceiver:
        self.thread.start()
        return self

    def release(self) -> None:
        """Let held requests (``mode='hold'``) be answered."""
        self.released.set()

    def __exit__(self, *exc: Any) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def posts(self) -> list[dict[str, Any]]:
        """Received ``post`` messages as ``{'title', 'text'}`` (text = all lines joined)."""
        out = []
        for r in self.requests:
            post = r['body'].get('content', {}).get('post', {})
            body = post.get('en_us') or post.get('zh_cn') or {}
            lines = [''.join(el.get('text', '') for el in line) for line in body.get('content', [])]
            out.append({'title': body.get('title', ''), 'text': '\n'.join(lines)})
        return out
