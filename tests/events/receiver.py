"""A webhook receiver for tests: a small HTTP server on 127.0.0.1 that verifies every delivery with the
``standardwebhooks`` library (an independent implementation of the signature) and answers as told."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass
class Delivery:
    webhook_id: str
    timestamp: str
    signatures: str
    body: bytes
    verified_with: list[str]

    @property
    def event(self) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(self.body)
        return payload


# Given the 1-based number of the request, answers (status, headers); may sleep to be slow.
Behaviour = Callable[[int], tuple[int, dict[str, str]]]


def always(status: int) -> Behaviour:
    return lambda _n: (status, {})


@dataclass
class Receiver:
    url: str
    secrets: list[str] = field(default_factory=list)
    behaviour: Behaviour = field(default=lambda _n: (200, {}))
    deliveries: list[Delivery] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    overlaps: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self) -> list[Delivery]:
        with self.lock:
            return list(self.deliveries)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.accepted()
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"expected {count} deliveries, got {len(self.accepted())}")


@contextmanager
def running_receiver(behaviour: Behaviour | None = None, port: int = 0) -> Iterator[Receiver]:
    receiver = Receiver(url="")
    if behaviour is not None:
        receiver.behaviour = behaviour

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            webhook_id = headers.get("webhook-id", "")
            verified = [s for s in receiver.secrets if _verifies(s, body, headers)]
            with receiver.lock:
                number = len(receiver.deliveries) + 1
                receiver.deliveries.append(
                    Delivery(webhook_id, headers.get("webhook-timestamp", ""),
                             headers.get("webhook-signature", ""), body, verified)
                )
                receiver.in_flight[webhook_id] = receiver.in_flight.get(webhook_id, 0) + 1
                if receiver.in_flight[webhook_id] > 1:
                    receiver.overlaps.append(webhook_id)
            try:
                status, extra = receiver.behaviour(number)
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()
            finally:
                with receiver.lock:
                    receiver.in_flight[webhook_id] -= 1

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def _verifies(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except Exception:
        return False
    return True
