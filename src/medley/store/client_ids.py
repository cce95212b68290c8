"""Every client id the store holds, in memory: an unknown client id is refused without a query of its own.

A flood of random client ids would otherwise cost one store query each, and a real application's login
would wait behind them for a database connection. Misses share one reload of the ids, at most one a second,
and a miss waits for a reload that began after it arrived, so an application created a moment ago (by the
CLI, or another replica) is always found: the index never refuses an id the store held when asked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from medley.store.database import Store
from medley.store.tables import ApplicationRow

RELOAD_INTERVAL_SECONDS = 1.0

Loader = Callable[[], Awaitable[frozenset[str]]]


def store_loader(store: Store) -> Loader:
    async def load() -> frozenset[str]:
        async with store.sessions() as session:
            return frozenset(await session.scalars(select(ApplicationRow.client_id)))

    return load


class ClientIdIndex:
    """``may_exist(client_id)``: False only when a reload begun after the call says the id is not stored."""

    def __init__(self, load: Loader, *, reload_interval: float = RELOAD_INTERVAL_SECONDS) -> None:
        self._load = load
        self._interval = reload_interval
        self._ids: frozenset[str] = frozenset()
        self._loaded_from = float("-inf")  # when the load behind ``_ids`` began
        self._last_begun = float("-inf")
        self._reload: asyncio.Task[None] | None = None

    async def may_exist(self, client_id: str) -> bool:
        if client_id in self._ids:
            return True
        arrived = time.monotonic()
        while self._loaded_from < arrived:
            if self._reload is None:
                self._reload = asyncio.create_task(self._reload_after(self._last_begun + self._interval))
            await asyncio.shield(self._reload)
        return client_id in self._ids

    async def _reload_after(self, not_before: float) -> None:
        try:
            delay = not_before - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            begun = self._last_begun = time.monotonic()
            self._ids = await self._load()
            self._loaded_from = begun
        finally:
            self._reload = None
