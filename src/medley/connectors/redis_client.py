"""The one Redis client per process and URL that replicas share state through (``Settings.redis_url``).

Every user (the rate budget, the slot and reference caches) asks for its client at call time with
``redis_client(url)``: one connection pool per URL and event loop, with bounded socket timeouts so an
unreachable Redis costs a request at most a couple of seconds before the caller falls back to its
in-process state. ``RedisOutage`` rate-limits the warning each fallback logs; neither logs the URL (it may
carry a password) nor anything about the request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from redis.exceptions import RedisError

# What a Redis call may raise when the server is down, slow or refuses: callers fall back on these.
REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, asyncio.TimeoutError)
SOCKET_TIMEOUT_SECONDS = 2.0
_WARN_EVERY_SECONDS = 60.0

# A client belongs to the event loop its connections were made in: keyed by (url, id(loop)), and the loop
# itself is kept beside it so that a new loop reusing a dead one's id is never handed a stale client.
_clients: dict[tuple[str, int], tuple[asyncio.AbstractEventLoop, Any]] = {}


def redis_client(url: str) -> Any:
    """This process's client for ``url`` in the running event loop (made on first use, then shared)."""
    import redis.asyncio as redis_asyncio

    loop = asyncio.get_running_loop()
    key = (url, id(loop))
    entry = _clients.get(key)
    if entry is not None and entry[0] is loop:
        return entry[1]
    for stale in [k for k, (owner, _) in _clients.items() if owner.is_closed()]:
        del _clients[stale]
    client = redis_asyncio.from_url(
        url, socket_timeout=SOCKET_TIMEOUT_SECONDS, socket_connect_timeout=SOCKET_TIMEOUT_SECONDS
    )
    _clients[key] = (loop, client)
    return client


async def aclose_redis_clients() -> None:
    """Close the clients of the running loop (at shutdown)."""
    loop = asyncio.get_running_loop()
    for key in [k for k, (owner, _) in _clients.items() if owner is loop]:
        _, client = _clients.pop(key)
        with contextlib.suppress(*REDIS_ERRORS):
            await client.aclose()


class RedisOutage:
    """Logs that ``what`` fell back to its in-process state: at most once a minute per use and process."""

    def __init__(self, logger: logging.Logger, what: str, *, clock: Any = time.monotonic) -> None:
        self._logger = logger
        self._what = what
        self._clock = clock
        self._last_warning: float | None = None

    def report(self, error: BaseException) -> None:
        now = self._clock()
        if self._last_warning is not None and now - self._last_warning < _WARN_EVERY_SECONDS:
            return
        self._last_warning = now
        # The error's type only: its text may name hosts or echo arguments.
        self._logger.warning("%s: Redis unavailable (%s); using this process's own meanwhile", self._what,
                             type(error).__name__)
