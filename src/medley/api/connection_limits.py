"""Slow or silent clients are cut off: a connection must deliver a request's headers within a deadline.

uvicorn only times out a connection that is idle *after* a response (``timeout_keep_alive``): a client
that connects and sends nothing, or sends its headers a byte at a time, would hold a connection for ever.
The protocol below starts a clock when a connection opens and whenever a new request begins, and stops it
once the request's headers are complete; a periodic sweep closes connections whose clock ran out. (The body
has its own deadline: ``middleware.py``.)
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# What h11 may buffer of a request's head, should uvicorn run h11 (its default, 16 KiB, made explicit).
MAX_INCOMPLETE_EVENT_BYTES = 16 * 1024


def header_deadline_protocol(seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol, closing a connection whose request headers take over ``seconds``.

    A connection notes when it began waiting for headers; one sweep per event loop, every
    ``sweep_every`` seconds, closes those waiting too long. (A timer armed and cancelled per request cost
    a few percent of the read path; the sweep makes the cut-off up to ``sweep_every`` later.)
    """
    sweep_every = max(0.05, min(1.0, seconds / 4))
    waiting: dict[asyncio.AbstractEventLoop, set[HeaderDeadlineProtocol]] = {}

    def sweep(loop: asyncio.AbstractEventLoop) -> None:
        connections = waiting.get(loop, set())
        now = loop.time()
        late = [c for c in connections if c.waiting_since is not None and now - c.waiting_since > seconds]
        for connection in late:
            connection.too_slow()
        if connections:
            loop.call_later(sweep_every, sweep, loop)
        else:
            waiting.pop(loop, None)  # the next connection starts the sweep again

    class HeaderDeadlineProtocol(HttpToolsProtocol):
        waiting_since: float | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.waiting_since = self.loop.time()
            connections = waiting.get(self.loop)
            if connections is None:
                connections = waiting[self.loop] = set()
                self.loop.call_later(sweep_every, sweep, self.loop)
            connections.add(self)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self.waiting_since = self.loop.time()

        def on_headers_complete(self) -> None:
            self.waiting_since = None
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self.waiting_since = None
            waiting.get(self.loop, set()).discard(self)
            super().connection_lost(exc)

        def too_slow(self) -> None:
            self.waiting_since = None
            if not self.transport.is_closing():
                self.transport.close()

    return HeaderDeadlineProtocol


def uvicorn_limits(*, header_seconds: float, keep_alive_seconds: float) -> dict[str, Any]:
    """The keyword arguments of ``uvicorn.run`` that bound slow and idle connections."""
    return {
        "http": header_deadline_protocol(header_seconds),
        "timeout_keep_alive": keep_alive_seconds,
        "h11_max_incomplete_event_size": MAX_INCOMPLETE_EVENT_BYTES,
    }
