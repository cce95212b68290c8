"""A client-side request budget per upstream API key, so a fan-out never overshoots the EHR's limit.

Cliniko allows 200 requests per minute per user and answers 429 beyond that. We keep our own count so
that the 201st request waits for room instead of failing: a sliding window (no more than ``limit``
requests in ANY ``window`` seconds) is the only shape that also stays under a fixed-window server
limit whatever the alignment of its windows.

Each reservation is made synchronously (no ``await`` between reading and recording the log), so the
in-process budget needs no lock and can be shared by every connector of one key in the process. With
``Settings.redis_url`` the log lives in Redis instead, shared by all replicas, and one Lua script
does the read-and-reserve atomically. Budgets are keyed by a hash of the API key, never the key.
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
from typing import Any, Protocol

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


class RateBudget(Protocol):
    """Waits, boundedly, until one more request fits in the key's budget."""

    async def acquire(self, max_wait: float) -> float:
        """Reserve a request; sleep until it may be sent and return the seconds waited.

        Raises ``MedleyError(RATE_LIMITED)`` (with ``Retry-After``) without waiting when the wait
        would exceed ``max_wait``.
        """
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
    """Sliding-window budget in this process: at most ``limit`` sends in any ``window`` seconds.

    A ``limit`` of 0 or less counts nothing (an upstream without a limit, e.g. the sandbox with its limit
    turned off), but a 429's hold still applies: faults can inject one, and it must be honoured.
    """

    def __init__(
        self,
        limit: int = DEFAULT_REQUESTS_PER_MINUTE,
        window: float = _WINDOW_SECONDS + _WINDOW_MARGIN_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        # Send times (past and reserved future ones), non-decreasing by construction.
        self._sends: deque[float] = deque()
        self._held_until = 0.0

    def reserve(self, max_wait: float) -> float:
        """Record the next send time and return how long to wait for it; raise if too long."""
        now = self._clock()
        while self._sends and self._sends[0] <= now - self._window:
            self._sends.popleft()
        at = max(now, self._held_until)
        if 0 < self._limit <= len(self._sends):
            # The send ``limit`` places back must leave the window before another may go.
            at = max(at, self._sends[-self._limit] + self._window)
        wait = at - now
        if wait > max_wait:
            raise rate_limited(wait)
        if self._limit > 0:
            self._sends.append(at)
        return wait

    async def acquire(self, max_wait: float) -> float:
        wait = self.reserve(max_wait)
        if wait > 0:
            await asyncio.sleep(wait)
        return wait

    async def hold_until(self, epoch_seconds: float) -> None:
        self._held_until = max(self._held_until, self._clock() + (epoch_seconds - time.time()))

    async def aclose(self) -> None:
        return None


# Sliding window log in a sorted set scored by send time (ms, Redis clock, so replicas agree).
# Returns {1, wait_ms} after reserving, or {0, wait_ms} when the wait exceeds the caller's bound.
_RESERVE_SCRIPT = """
local log, hold = KEYS[1], KEYS[2]
local limit, window, max_wait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', log, '-inf', now - window)
local at = now
local held = tonumber(redis.call('GET', hold) or '0')
if held > at then at = held end
local count = redis.call('ZCARD', log)
if count >= limit then
  local nth = redis.call('ZRANGE', log, count - limit, count - limit, 'WITHSCORES')
  local free_at = tonumber(nth[2]) + window
  if free_at > at then at = free_at end
end
local wait = at - now
if wait > max_wait then return {0, wait} end
redis.call('ZADD', log, at, ARGV[4])
redis.call('PEXPIRE', log, window + wait + 1000)
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
        fallback: LocalRateBudget | None = None,
    ) -> None:
        self._url = redis_url
        self._log_key = f"medley:ratebudget:{name}:log"
        self._hold_key = f"medley:ratebudget:{name}:hold"
        self._limit = limit
        self._window_ms = int(window * 1000)
        self._fallback = fallback or LocalRateBudget(limit, window)
        self._reserve: Any = None
        self._hold: Any = None

    def _scripts(self) -> Any:
        """The shared client (registering the scripts with the first one: they are sent by hash)."""
        redis = redis_client(self._url)
        if self._reserve is None:
            self._reserve = redis.register_script(_RESERVE_SCRIPT)
            self._hold = redis.register_script(_HOLD_SCRIPT)
        return redis

    async def acquire(self, max_wait: float) -> float:
        try:
            redis = self._scripts()
            reserved, wait_ms = await self._reserve(
                keys=[self._log_key, self._hold_key],
                args=[self._limit, self._window_ms, int(max_wait * 1000), uuid.uuid4().hex],
                client=redis,
            )
        except REDIS_ERRORS as error:
            _outage.report(error)
            return await self._fallback.acquire(max_wait)
        wait = int(wait_ms) / 1000
        if not int(reserved):
            raise rate_limited(wait)
        if wait > 0:
            await asyncio.sleep(wait)
        return wait

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
_local_budgets: weakref.WeakValueDictionary[tuple[str, int], LocalRateBudget] = weakref.WeakValueDictionary()


def shared_local_budget(api_key: str, limit: int = DEFAULT_REQUESTS_PER_MINUTE) -> LocalRateBudget:
    """The process-wide budget of ``api_key`` (created on first use)."""
    key = (budget_key(api_key), limit)
    budget = _local_budgets.get(key)
    if budget is None:
        budget = LocalRateBudget(limit)
        _local_budgets[key] = budget
    return budget


def build_rate_budget(api_key: str, *, redis_url: str | None, limit: int = DEFAULT_REQUESTS_PER_MINUTE) -> RateBudget:
    """Redis-backed when ``redis_url`` is set (replicas share it), else shared in-process; no count at all
    when ``limit`` is 0 or less (the upstream has no limit: nothing to share)."""
    local = shared_local_budget(api_key, limit)
    if redis_url and limit > 0:
        return RedisRateBudget(redis_url, budget_key(api_key), limit, fallback=local)
    return local
