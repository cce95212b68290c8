"""Slow or silent clients are cut off: a connection must deliver a request's headers within a deadline.

uvicorn only times out a connection that is idle *after* a response (``timeout_keep_alive``): a client
that connects and sends nothing, or sends its headers a byte at a time, would hold a connection for ever.
The protocol below arms a deadline when a connection opens and whenever a new request begins, and
disarms it once the request's headers are complete. (The body has its own deadline: ``middleware.py``.)
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# What h11 may buffer of a request's head, should uvicorn run h11 (its default, 16 KiB, made explicit).
MAX_INCOMPLETE_EVENT_BYTES = 16 * 1024


def header_deadline_protocol(seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol, closing a connection whose request headers take over ``seconds``."""

    class HeaderDeadlineProtocol(HttpToolsProtocol):
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(seconds, self._too_slow)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _too_slow(self) -> None:
            self._deadline = None
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
