"""A relay between a gateway and the Cliniko emulator that injects the emulator's own faults into chosen calls.

The gateway never forwards its callers' headers to the EHR, so a test cannot send the emulator's per-request
``X-Medley-Fault`` header itself, and ``MEDLEY_SANDBOX_FAULTS`` hits every call alike. The relay adds the header
to the upstream requests that match a rule (one ``POST /v1/individual_appointments``, the first read of a
patient), so a test fails exactly the call it means to, and it counts what went through.

One fault the emulator cannot produce (its faults all fire before the route runs) is the relay's own:
``cut_after_reply`` lets the emulator do the write, then cuts the connection before the gateway reads the answer.
And ``before`` runs a test's callback just before a call is forwarded: a deterministic window between the
gateway's last check and its write reaching the EHR (e.g. a booking made at the reception desk meanwhile).

The relay keeps the ``Host`` header, so the links the emulator builds (``links.next``, upload URLs) point back
at the relay, as the gateway's client requires.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import anyio
import httpx
import uvicorn
from starlette.types import Message, Receive, Scope, Send

from tests.support.server import free_port

FAULT_HEADER = "x-medley-fault"
# Hop-by-hop headers, and those httpx recomputes for the body it sends or has already decoded.
_NOT_FORWARDED = frozenset(
    {b"connection", b"keep-alive", b"transfer-encoding", b"content-length", b"content-encoding", b"upgrade"}
)


class ConnectionCut(Exception):
    """Raised after a partial answer: uvicorn then closes the socket mid-response."""


@dataclass
class Rule:
    """Which upstream calls to fail, how, and how many times (``None``: every one until cleared)."""

    method: str
    path: re.Pattern[str]
    fault: str | None
    cut_after_reply: bool
    times: int | None
    callback: Callable[[], None] | None = None
    hits: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)
    """Set when the first matching call reaches the relay (before it is forwarded)."""

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and self.path.search(path) is not None

    @property
    def spent(self) -> bool:
        return self.times is not None and self.hits >= self.times


class FaultRelay:
    """An ASGI app forwarding everything to ``upstream`` (the emulator's origin), faulting what the rules say."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.url = ""
        self._rules: list[Rule] = []
        self._seen: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._client: httpx.AsyncClient | None = None

    # ---- what tests call ---------------------------------------------------------------------

    def fail(self, method: str, path_pattern: str, fault: str, *, times: int | None = 1) -> Rule:
        """Send ``X-Medley-Fault: <fault>`` (the emulator's grammar) with the next ``times`` matching calls."""
        return self._add(Rule(method.upper(), re.compile(path_pattern), fault, False, times))

    def cut_after_reply(self, method: str, path_pattern: str, *, times: int | None = 1) -> Rule:
        """Let the emulator answer the next ``times`` matching calls, then cut the connection unanswered."""
        return self._add(Rule(method.upper(), re.compile(path_pattern), None, True, times))

    def before(self, method: str, path_pattern: str, callback: Callable[[], None], *, times: int | None = 1) -> Rule:
        """Run ``callback`` (in a worker thread) just before each of the next ``times`` matching calls is sent."""
        return self._add(Rule(method.upper(), re.compile(path_pattern), None, False, times, callback))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def count(self, method: str, path_pattern: str) -> int:
        """How many calls matching ``method`` and ``path_pattern`` went through so far."""
        return len(self.paths(method, path_pattern))

    def paths(self, method: str, path_pattern: str) -> list[str]:
        """The paths of the calls matching ``method`` and ``path_pattern`` so far, in order."""
        pattern = re.compile(path_pattern)
        with self._lock:
            return [p for m, p in self._seen if m == method.upper() and pattern.search(p)]

    # ---- the relay itself --------------------------------------------------------------------

    def _add(self, rule: Rule) -> Rule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def _take(self, method: str, path: str) -> Rule | None:
        with self._lock:
            self._seen.append((method, path))
            for rule in self._rules:
                if rule.matches(method, path) and not rule.spent:
                    rule.hits += 1
                    return rule
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        method: str = scope["method"]
        path: str = scope["path"]
        rule = self._take(method, path)
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _NOT_FORWARDED]
        if rule is not None:
            if rule.fault is not None:
                headers.append((FAULT_HEADER.encode(), rule.fault.encode()))
            rule.arrived.set()
            if rule.callback is not None:
                await anyio.to_thread.run_sync(rule.callback)
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=120.0, follow_redirects=False)
        target = self.upstream + scope["raw_path"].decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        try:
            answer = await self._client.request(method, target, content=body, headers=headers)
        except httpx.TransportError:
            # The emulator cut the connection (its own ``drop`` fault): pass the cut on.
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1024")]})
            raise ConnectionCut() from None
        if rule is not None and rule.cut_after_reply:
            await send({"type": "http.response.start", "status": answer.status_code,
                        "headers": [(b"content-length", b"1048576")]})
            raise ConnectionCut()
        reply_headers = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in answer.headers.multi_items()
            if k.lower().encode() not in _NOT_FORWARDED
        ]
        reply_headers.append((b"content-length", str(len(answer.content)).encode()))
        try:
            await send({"type": "http.response.start", "status": answer.status_code, "headers": reply_headers})
            await send({"type": "http.response.body", "body": answer.content})
        except OSError:
            pass  # the gateway gave up waiting (its timeout) and closed the connection


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


@contextmanager
def running_relay(upstream: str) -> Iterator[FaultRelay]:
    """Serve a ``FaultRelay`` to ``upstream`` on a free local port, in a thread of this process."""
    relay = FaultRelay(upstream)
    port = free_port()
    config = uvicorn.Config(relay, host="127.0.0.1", port=port, lifespan="off", access_log=False, log_level="critical")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fault-relay", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the fault relay did not start")
        time.sleep(0.02)
    relay.url = f"http://127.0.0.1:{port}"
    try:
        yield relay
    finally:
        server.should_exit = True
        thread.join(timeout=10)
