"""A client-side request budget per upstream API key, so a fan-out never overshoots the EHR's limit.

Cliniko allows 200 requests per minute per user, Acuity 10 per second (and 20 at once, which its client
bounds with a semaphore), and each answers 429 beyond that. We keep our own count so that the request past
the limit waits for room instead of failing: a sliding window (no more than ``limit``
requests in ANY ``window`` seconds) is the only shape that also stays under a fixed-window server
limit whatever the alignment of its windows.

Each reservation is made synchronously (no ``await`` between reading and recording the log), so the
in-process budget needs no lock and can be shared by every connector of one key in the process. With
``Settings.redis_url`` the log lives in Redis instead, shared by all replicas, and one Lua script
does the read-and-reserve atomically. Budgets are keyed by a hash of the API key, never the key.

Each send is logged with its lane (``lanes.py``): writes may use the whole limit; reads and the sync
together never more than the limit less the writes' reserved share; the sync no more than its own share,
unless nobody else has sent for ``IDLE_SECONDS`` (then it may use what is idle).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
import uuid
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from medley.connectors.lanes import Lane
from medley.connectors.redis_client import REDIS_ERRORS, RedisOutage, redis_client
from medley.domain.errors import ErrorCode, MedleyError

logger = logging.getLogger("medley.connectors.rate_budget")
# One per process, so an outage logs once a minute however many connectors notice it.
_outage = RedisOutage(logger, "rate budget")

DEFAULT_REQUESTS_PER_MINUTE = 200
_WINDOW_SECONDS = 60.0
# Requests sent just inside our window may arrive just outside it upstream (network jitter):
# a small margin keeps the server's count under its limit too.
_WINDOW_MARGIN_SECONDS = 0.5
DEFAULT_WRITE_SHARE = 0.30
DEFAULT_SYNC_SHARE = 0.15
# The sync may go past its share once no read or write has been sent for this long.
IDLE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Shares:
    """How a key's limit is divided between lanes (``Settings.budget_write_share``, ``budget_sync_share``)."""

    write: float = DEFAULT_WRITE_SHARE
    sync: float = DEFAULT_SYNC_SHARE

    def caps(self, limit: int) -> tuple[int, int]:
        """(most sends that reads and sync may hold together, most the sync may hold while others send)."""
        shared = max(1, limit - math.ceil(limit * self.write))
        return shared, max(1, min(shared, math.floor(limit * self.sync)))


class RateBudget(Protocol):
    """Waits, boundedly, until one more request fits in the key's budget."""

    async def acquire(self, max_wait: float, lane: Lane | None = None) -> float:
        """Reserve a request in ``lane`` (``None``: only the total limit applies); sleep until it may be
        sent and return the seconds waited.

        Raises ``MedleyError(RATE_LIMITED)`` (with ``Retry-After``) without waiting when the wait
        would exceed ``max_wait``.
        """
        ...

    async def headroom(self, lane: Lane | None = None) -> int:
        """How many requests ``lane`` could send right now without waiting."""
        ...

    async def hold_until(self, epoch_seconds: float) -> None:
        """The upstream said 429 until ``epoch_seconds``: nobody sharing this budget sends before then."""
        ...

    async def aclose(self) -> None: ...


def rate_limited(wait_seconds: float) -> MedleyError:
    """The error every exhausted wait raises: the caller may retry after ``Retry-After`` seconds."""
    retry_after = max(1, math.ceil(wait_seconds))
    return MedleyError(
        ErrorCode.RATE_LIMITED,
        f"The EHR's request budget is used up; retry in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
    )


def budget_key(api_key: str) -> str:
    """A stable, non-reversible name for a key's budget (the key itself must never be stored)."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:32]


class LocalRateBudget:
    """Sliding-window budget in this process: at most ``limit`` sends in any ``window`` seconds, divided
    between lanes by ``shares``.

    A ``limit`` of 0 or less counts nothing (an upstream without a limit, e.g. the sandbox with its limit
    turned off), but a 429's hold still applies: faults can inject one, and it must be honoured.
    """

    def __init__(
        self,
        limit: int = DEFAULT_REQUESTS_PER_MINUTE,
        window: float = _WINDOW_SECONDS + _WINDOW_MARGIN_SECONDS,
        *,
        shares: Shares | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._shared_cap, self._sync_cap = (shares or Shares()).caps(limit) if limit > 0 else (0, 0)
        # Send times (past and reserved future ones) per lane; None is a caller without a lane.
        self._sends: dict[Lane | None, deque[float]] = {lane: deque() for lane in (*Lane, None)}
        self._held_until = 0.0

    def _purge(self, now: float) -> None:
        for log in self._sends.values():
            while log and log[0] <= now - self._window:
                log.popleft()

    def _free_at(self, lanes: tuple[Lane | None, ...], cap: int, now: float) -> float:
        """When fewer than ``cap`` sends of ``lanes`` lie in the window."""
        times = sorted(t for lane in lanes for t in self._sends[lane])
        if len(times) < cap:
            return now
        return times[len(times) - cap] + self._window

    def _earliest(self, lane: Lane | None, now: float) -> float:
        at = max(now, self._held_until)
        if self._limit <= 0:
            return at
        at = max(at, self._free_at(tuple(self._sends), self._limit, now))
        if lane in (Lane.read, Lane.sync):
            at = max(at, self._free_at((Lane.read, Lane.sync), self._shared_cap, now))
        if lane is Lane.sync and not self._idle(now):
            at = max(at, self._free_at((Lane.sync,), self._sync_cap, now))
        return at

    def _idle(self, now: float) -> bool:
        others = (Lane.read, Lane.write, None)
        return not any(t > now - IDLE_SECONDS for lane in others for t in self._sends[lane])

    def reserve(self, max_wait: float, lane: Lane | None = None) -> float:
        """Record the next send time and return how long to wait for it; raise if too long."""
        now = self._clock()
        self._purge(now)
        at = self._earliest(lane, now)
        wait = at - now
        if wait > max_wait:
            raise rate_limited(wait)
        if self._limit > 0:
            log = self._sends[lane]
            log.append(at)
            if len(log) > 1 and log[-2] > at:
                self._sends[lane] = deque(sorted(log))
        return wait

    async def acquire(self, max_wait: float, lane: Lane | None = None) -> float:
        wait = self.reserve(max_wait, lane)
        if wait > 0:
            await asyncio.sleep(wait)
        return wait

    async def headroom(self, lane: Lane | None = None) -> int:
        if self._limit <= 0:
            return 1_000_000
        now = self._clock()
        self._purge(now)
        if self._held_until > now:
            return 0
        total = sum(len(log) for log in self._sends.values())
        room = self._limit - total
        if lane in (Lane.read, Lane.sync):
            room = min(room, self._shared_cap - len(self._sends[Lane.read]) - len(self._sends[Lane.sync]))
        if lane is Lane.sync and not self._idle(now):
            room = min(room, self._sync_cap - len(self._sends[Lane.sync]))
        return max(0, room)

    def used(self) -> dict[str, int]:
        """Sends per lane in the current window (for metrics)."""
        now = self._clock()
        self._purge(now)
        return {str(lane or "other"): len(log) for lane, log in self._sends.items()}

    async def hold_until(self, epoch_seconds: float) -> None:
        self._held_until = max(self._held_until, self._clock() + (epoch_seconds - time.time()))

    async def aclose(self) -> None:
        return None


# Sliding window logs in sorted sets, one per lane, scored by send time (ms, Redis clock, so replicas agree).
# KEYS: read, write, sync, other logs, then the hold. ARGV: lane, limit, window, max_wait, member, shared cap,
# sync cap, idle ms, dry. Returns {1, wait_ms} after reserving, {0, wait_ms} when the wait exceeds the bound,
# or (dry) {room, 0}: how many the lane could send now.
_RESERVE_SCRIPT = """
local keys = {read = KEYS[1], write = KEYS[2], sync = KEYS[3], other = KEYS[4]}
local hold = KEYS[5]
local lane = ARGV[1]
local limit, window, max_wait = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local shared_cap, sync_cap, idle = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for _, key in pairs(keys) do redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window) end
local function scores(names)
  local all = {}
  for _, name in ipairs(names) do
    local r = redis.call('ZRANGE', keys[name], 0, -1, 'WITHSCORES')
    for i = 2, #r, 2 do table.insert(all, tonumber(r[i])) end
  end
  table.sort(all)
  return all
end
local function free_at(names, cap)
  local s = scores(names)
  if #s < cap then return now end
  return s[#s - cap + 1] + window
end
local idle_now = true
for _, name in ipairs({'read', 'write', 'other'}) do
  if redis.call('ZCOUNT', keys[name], now - idle, '+inf') > 0 then idle_now = false end
end
local held = tonumber(redis.call('GET', hold) or '0')
if ARGV[9] == '1' then
  if held > now then return {0, 0} end
  local room = limit - #scores({'read', 'write', 'sync', 'other'})
  if lane == 'read' or lane == 'sync' then room = math.min(room, shared_cap - #scores({'read', 'sync'})) end
  if lane == 'sync' and not idle_now then room = math.min(room, sync_cap - #scores({'sync'})) end
  return {math.max(0, room), 0}
end
local at = now
if held > at then at = held end
local f = free_at({'read', 'write', 'sync', 'other'}, limit)
if f > at then at = f end
if lane == 'read' or lane == 'sync' then
  f = free_at({'read', 'sync'}, shared_cap)
  if f > at then at = f end
end
if lane == 'sync' and not idle_now then
  f = free_at({'sync'}, sync_cap)
  if f > at then at = f end
end
local wait = at - now
if wait > max_wait then return {0, wait} end
redis.call('ZADD', keys[lane], at, ARGV[5])
redis.call('PEXPIRE', keys[lane], window + wait + 1000)
return {1, wait}
"""

_HOLD_SCRIPT = """
local until_ms = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > current then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if until_ms > now then redis.call('SET', KEYS[1], until_ms, 'PX', until_ms - now + 1000) end
end
return 1
"""


class RedisRateBudget:
    """The same sliding window, kept in Redis so every replica draws on one budget per key.

    If Redis cannot be reached the request falls back to this process's own budget (logged at most once
    a minute): the upstream 429 handling still protects the key, and an outage of a cache must not stop
    clinics from booking.
    """

    def __init__(
        self,
        redis_url: str,
        name: str,
        limit: int = DEFAULT_REQUESTS_PER_MINUTE,
        window: float = _WINDOW_SECONDS + _WINDOW_MARGIN_SECONDS,
        *,
        shares: Shares | None = None,
        fallback: LocalRateBudget | None = None,
    ) -> None:
        self._url = redis_url
        self._log_keys = [f"medley:ratebudget:{name}:log:{lane}" for lane in ("read", "write", "sync", "other")]
        self._hold_key = f"medley:ratebudget:{name}:hold"
        self._limit = limit
        self._window_ms = int(window * 1000)
        self._caps = (shares or Shares()).caps(limit)
        self._fallback = fallback or LocalRateBudget(limit, window, shares=shares)
        self._reserve: Any = None
        self._hold: Any = None

    def _scripts(self) -> Any:
        """The shared client (registering the scripts with the first one: they are sent by hash)."""
        redis = redis_client(self._url)
        if self._reserve is None:
            self._reserve = redis.register_script(_RESERVE_SCRIPT)
            self._hold = redis.register_script(_HOLD_SCRIPT)
        return redis

    async def _run(self, lane: Lane | None, max_wait: float, dry: bool) -> tuple[int, int]:
        redis = self._scripts()
        shared_cap, sync_cap = self._caps
        result = await self._reserve(
            keys=[*self._log_keys, self._hold_key],
            args=[
                str(lane) if lane is not None else "other",
                self._limit,
                self._window_ms,
                int(max_wait * 1000),
                uuid.uuid4().hex,
                shared_cap,
                sync_cap,
                int(IDLE_SECONDS * 1000),
                "1" if dry else "0",
            ],
            client=redis,
        )
        return int(result[0]), int(result[1])

    async def acquire(self, max_wait: float, lane: Lane | None = None) -> float:
        try:
            reserved, wait_ms = await self._run(lane, max_wait, dry=False)
        except REDIS_ERRORS as error:
            _outage.report(error)
            return await self._fallback.acquire(max_wait, lane)
        wait = wait_ms / 1000
        if not reserved:
            raise rate_limited(wait)
        if wait > 0:
            await asyncio.sleep(wait)
        return wait

    async def headroom(self, lane: Lane | None = None) -> int:
        try:
            room, _ = await self._run(lane, 0, dry=True)
        except REDIS_ERRORS as error:
            _outage.report(error)
            return await self._fallback.headroom(lane)
        return room

    def used(self) -> dict[str, int]:
        return self._fallback.used()

    async def hold_until(self, epoch_seconds: float) -> None:
        await self._fallback.hold_until(epoch_seconds)
        try:
            redis = self._scripts()
            await self._hold(keys=[self._hold_key], args=[int(epoch_seconds * 1000)], client=redis)
        except REDIS_ERRORS as error:
            _outage.report(error)

    async def aclose(self) -> None:
        """Nothing to release: the Redis client is the process's (``redis_client``)."""
        return None


# One in-process budget per key, shared by every connector of that key while any of them lives.
_local_budgets: weakref.WeakValueDictionary[tuple[str, int, float], LocalRateBudget] = weakref.WeakValueDictionary()


def shared_local_budget(
    api_key: str,
    limit: int = DEFAULT_REQUESTS_PER_MINUTE,
    shares: Shares | None = None,
    window: float = _WINDOW_SECONDS + _WINDOW_MARGIN_SECONDS,
) -> LocalRateBudget:
    """The process-wide budget of ``api_key`` (created on first use)."""
    key = (budget_key(api_key), limit, window)
    budget = _local_budgets.get(key)
    if budget is None:
        budget = LocalRateBudget(limit, window, shares=shares)
        _local_budgets[key] = budget
    return budget


# Every budget built in this process, by account name (for the metrics).
_known: weakref.WeakValueDictionary[str, RateBudget] = weakref.WeakValueDictionary()


def known_budgets() -> list[tuple[str, RateBudget]]:
    return list(_known.items())


def build_rate_budget(
    api_key: str,
    *,
    redis_url: str | None,
    limit: int = DEFAULT_REQUESTS_PER_MINUTE,
    shares: Shares | None = None,
    window_seconds: float = _WINDOW_SECONDS,
) -> RateBudget:
    """Redis-backed when ``redis_url`` is set (replicas share it), else shared in-process; no count at all
    when ``limit`` is 0 or less (the upstream has no limit: nothing to share).

    ``limit`` requests per ``window_seconds``: Cliniko's 200 per 60 s, Acuity's 10 per 1 s. The margin for
    network jitter is added to any window."""
    window = window_seconds + min(_WINDOW_MARGIN_SECONDS, window_seconds / 10)
    local = shared_local_budget(api_key, limit, shares, window)
    budget: RateBudget = local
    if redis_url and limit > 0:
        budget = RedisRateBudget(redis_url, budget_key(api_key), limit, window, shares=shares, fallback=local)
    _known[budget_key(api_key)[:12]] = budget
    return budget
