"""A real local HTTP partner endpoint for the delivery tests (a ``http.server`` thread).

It verifies the HMAC signature like a partner would, answers 503 while "down", and processes each
idempotency key once (a repeated key is acknowledged and ignored).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from medreg.exchange import signing


class Receiver:
    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.up = True
        self.received: list[dict[str, Any]] = []  # every request that arrived
        self.processed: list[dict[str, Any]] = []  # first delivery of each idempotency key
        self.bad_signatures = 0
        self._keys: set[str] = set()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    item = {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                    receiver.received.append(item)
                    if not receiver.up:
                        return self._answer(503)
                    ok = signing.verify(receiver.secret, self.headers.get(signing.TIMESTAMP_HEADER, ""), body,
                                        self.headers.get(signing.SIGNATURE_HEADER, ""))
                    if not ok:
                        receiver.bad_signatures += 1
                        return self._answer(401)
                    key = self.headers.get(signing.IDEMPOTENCY_HEADER, "")
                    if key not in receiver._keys:
                        receiver._keys.add(key)
                        receiver.processed.append({"key": key, "doc": json.loads(body)})
                return self._answer(200)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
