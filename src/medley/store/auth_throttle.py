"""What keeps authentication cheap under attack: failure windows per key, and a bounded gate for slow hashes.

Failed attempts are counted per (client id, address) and per address alone, so neither a guesser of one
application's secret nor a flood of random client ids from one address goes on for long. Argon2 costs a core
and 64 MiB for tens of milliseconds: at most a few run at once, a few more may wait, and the rest are
refused at once (``AuthenticationBusy``), so a flood never builds a queue that a real login must wait behind.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

WINDOW_SECONDS = 60.0
BUSY_RETRY_AFTER_SECONDS = 1.0
# One IPv6 subscriber usually holds a whole /64: counting single addresses there would count nothing.
_IPV6_PREFIX = 64

K = TypeVar("K", bound=Hashable)


class TooManyAttempts(Exception):
    """Too many failed authentications from one source (for one client id, or for any); retry after
    ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many failed attempts; retry after {retry_after:.0f}s")
        self.retry_after = retry_after


class AuthenticationBusy(Exception):
    """Every slot for a slow hash is taken, and so is every place in line: retry after ``retry_after`` s."""

    def __init__(self, retry_after: float = BUSY_RETRY_AFTER_SECONDS) -> None:
        super().__init__("too many secret verifications at once")
        self.retry_after = retry_after


def address_key(source: str) -> str:
    """The unit an address throttle counts: the address itself, or its /64 for IPv6."""
    try:
        address = ipaddress.ip_address(source)
    except ValueError:
        return source[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{_IPV6_PREFIX}", strict=False))
    return str(address)


class FailureWindow(Generic[K]):
    """At most ``limit`` failures per key in a sliding window (0: no limit). Memory is bounded: beyond
    ``max_keys``, the key that failed least recently is forgotten."""

    def __init__(self, limit: int, *, window_seconds: float = WINDOW_SECONDS, max_keys: int = 10_000) -> None:
        self._limit = limit
        self._window = window_seconds
        self._max_keys = max_keys
        self._failures: OrderedDict[K, deque[float]] = OrderedDict()

    def check(self, key: K, now: float) -> None:
        """Raise ``TooManyAttempts`` when ``key`` has used up its failures in the window ending ``now``."""
        failures = self._failures.get(key)
        if self._limit <= 0 or failures is None or len(failures) < self._limit:
            return
        retry_after = failures[0] + self._window - now
        if retry_after > 0:
            raise TooManyAttempts(retry_after)

    def record(self, key: K) -> None:
        if self._limit <= 0:
            return
        failures = self._failures.get(key)
        if failures is None:
            failures = self._failures[key] = deque(maxlen=self._limit)
        else:
            self._failures.move_to_end(key)
        failures.append(time.monotonic())
        while len(self._failures) > self._max_keys:
            self._failures.popitem(last=False)

    def clear(self, key: K) -> None:
        self._failures.pop(key, None)


class HashGate:
    """At most ``running`` slow hashes at once and ``waiting`` more in line; beyond, ``AuthenticationBusy``
    at once, so the wait in line is bounded by about ``waiting / running`` hash times."""

    def __init__(self, running: int, waiting: int | None = None) -> None:
        running = max(1, running)
        self._slots = asyncio.Semaphore(running)
        self._capacity = running + (running if waiting is None else max(0, waiting))
        self._admitted = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._admitted >= self._capacity:
            raise AuthenticationBusy()
        self._admitted += 1
        try:
            async with self._slots:
                yield
        finally:
            self._admitted -= 1
