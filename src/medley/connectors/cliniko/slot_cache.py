"""A short-lived memory of Cliniko's ``available_times`` answers.

An unfiltered timeslot query costs practitioners x types x 7-day windows upstream calls, against a budget
of 200 calls a minute per Cliniko user: without this memory a booking widget refreshing its calendar would
spend the budget in a few refreshes. Reads may be up to ``ttl`` seconds stale for bookings made outside
Medley; our own appointment writes forget the practitioners they touched at once, and the booking re-check
always bypasses the memory (``fresh``).

Without ``Settings.redis_url`` each process remembers alone (``SlotCache``), so a booking through one
replica is seen by the others only when their answers expire. With it, ``RedisSlotCache`` keeps the answers
in Redis, shared by every replica: one hash per practitioner of the account,
``medley:cliniko:<account>:slots:<practitioner id>``, field ``business|type|from|to``, value
``{"starts": [...] | null, "expires": <epoch ms>}``; a write forgets a practitioner everywhere by deleting
its hash. ``<account>`` is a hash of the account's API key and address (``registry.cache_namespace``), never
the key. When Redis fails, that call uses the process's own ``SlotCache`` instead.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection
from datetime import date, datetime
from typing import Any, Protocol

from medley.connectors.redis_client import REDIS_ERRORS, RedisOutage, redis_client

logger = logging.getLogger("medley.connectors.cliniko.slot_cache")
# One per process, so an outage logs once a minute however many connectors notice it.
_outage = RedisOutage(logger, "slot cache")

SlotKey = tuple[str, str, str, date, date]  # (business, practitioner, type, from, to)
Starts = list[datetime] | None  # None: the pair is not bookable online
Load = Callable[[], Awaitable[Starts]]


class SlotMemory(Protocol):
    async def get_or_load(self, key: SlotKey, load: Load, *, fresh: bool) -> Starts:
        """The remembered answer for ``key``, else ``load()`` (remembered); ``fresh`` always loads."""
        ...

    async def forget(self, practitioner_ids: Collection[str] | None = None) -> None:
        """Forget the answers of these practitioners (``None``: of everyone), after one of our writes."""
        ...

    def remembers(self, key: SlotKey) -> bool:
        """Whether an answer for ``key`` is at hand without an upstream call (as far as this process knows)."""
        ...


class SlotCache:
    """This process's own memory (least recently stored entries dropped beyond ``max_entries``)."""

    def __init__(self, ttl_seconds: float, max_entries: int = 5000) -> None:
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._entries: OrderedDict[SlotKey, tuple[Starts, float]] = OrderedDict()

    def get(self, key: SlotKey) -> tuple[bool, Starts]:
        """(found, starts) for an entry younger than the TTL."""
        hit = self._entries.get(key)
        if hit is None or hit[1] <= time.monotonic():
            return False, None
        return True, hit[0]

    def remembers(self, key: SlotKey) -> bool:
        return self.get(key)[0]

    def put(self, key: SlotKey, starts: Starts) -> None:
        if self._ttl <= 0:
            return
        self._entries[key] = (starts, time.monotonic() + self._ttl)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def get_or_load(self, key: SlotKey, load: Load, *, fresh: bool) -> Starts:
        if not fresh and self._ttl > 0:
            found, starts = self.get(key)
            if found:
                return starts
        starts = await load()
        self.put(key, starts)
        return starts

    def forget_now(self, practitioner_ids: Collection[str] | None = None) -> None:
        if practitioner_ids is None:
            self._entries.clear()
            return
        for key in [k for k in self._entries if k[1] in practitioner_ids]:
            del self._entries[key]

    async def forget(self, practitioner_ids: Collection[str] | None = None) -> None:
        self.forget_now(practitioner_ids)


class RedisSlotCache:
    """The same memory in Redis, shared by every replica; ``fallback`` serves any call Redis fails."""

    def __init__(self, redis_url: str, namespace: str, ttl_seconds: float, *, fallback: SlotCache) -> None:
        self._url = redis_url
        self._prefix = f"{namespace}:slots:"
        self._ttl_ms = int(ttl_seconds * 1000)
        self._fallback = fallback

    def remembers(self, key: SlotKey) -> bool:
        # Redis is not asked here (this check runs before a read is allowed to start): counting a shared
        # answer as a cost can only make the budget check stricter, never let a read overrun it.
        return self._fallback.remembers(key)

    def _hash(self, practitioner_id: str) -> str:
        return self._prefix + practitioner_id

    @staticmethod
    def _field(key: SlotKey) -> str:
        business, _, type_id, start, end = key
        return f"{business}|{type_id}|{start.isoformat()}|{end.isoformat()}"

    async def get_or_load(self, key: SlotKey, load: Load, *, fresh: bool) -> Starts:
        if self._ttl_ms <= 0:
            return await load()
        if not fresh:
            try:
                raw = await redis_client(self._url).hget(self._hash(key[1]), self._field(key))
            except REDIS_ERRORS as error:
                _outage.report(error)
                return await self._fallback.get_or_load(key, load, fresh=fresh)
            found, starts = _decode(raw)
            if found:
                return starts
        starts = await load()
        await self._store(key, starts)
        return starts

    async def _store(self, key: SlotKey, starts: Starts) -> None:
        # Known race, as in the in-process cache: an answer loaded just before another replica's write and
        # stored just after it survives that write's forget for up to the TTL. Bookings never rely on this
        # memory (their re-check is ``fresh``), so the worst case is a slot shown free that a booking refuses.
        value = {
            "starts": None if starts is None else [moment.isoformat() for moment in starts],
            "expires": int(time.time() * 1000) + self._ttl_ms,
        }
        name = self._hash(key[1])
        try:
            async with redis_client(self._url).pipeline(transaction=True) as pipe:
                pipe.hset(name, self._field(key), json.dumps(value, separators=(",", ":")))
                # Expired fields are ignored on read; the hash itself goes once nobody has refreshed it lately.
                pipe.pexpire(name, 2 * self._ttl_ms)
                await pipe.execute()
        except REDIS_ERRORS as error:
            _outage.report(error)
            self._fallback.put(key, starts)

    async def forget(self, practitioner_ids: Collection[str] | None = None) -> None:
        # The in-process copy too: it may hold answers from a Redis outage.
        self._fallback.forget_now(practitioner_ids)
        try:
            redis = redis_client(self._url)
            if practitioner_ids is not None:
                if practitioner_ids:
                    await redis.delete(*(self._hash(p) for p in practitioner_ids))
                return
            # The whole account (a write whose practitioner we do not know, e.g. a delete by id): SCAN the
            # account's prefix and delete what it finds. Chosen over a generation counter, which would cost
            # every read a second round trip for the sake of rare writes; SCAN is incremental (it never
            # blocks Redis) and the account's hashes are few (one per practitioner).
            batch: list[Any] = []
            async for name in redis.scan_iter(match=self._prefix + "*", count=500):
                batch.append(name)
                if len(batch) >= 500:
                    await redis.delete(*batch)
                    batch.clear()
            if batch:
                await redis.delete(*batch)
        except REDIS_ERRORS as error:
            _outage.report(error)


def _decode(raw: Any) -> tuple[bool, Starts]:
    """(found, starts) from a stored field; a missing, expired or unreadable one is not found."""
    if raw is None:
        return False, None
    try:
        value = json.loads(raw)
        if int(value["expires"]) <= time.time() * 1000:
            return False, None
        starts = value["starts"]
        return True, None if starts is None else [datetime.fromisoformat(moment) for moment in starts]
    except (ValueError, TypeError, KeyError):
        return False, None
