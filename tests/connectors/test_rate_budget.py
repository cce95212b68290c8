"""The per-key request budget: never more than the limit in any window, waits bounded, shared via Redis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from medley.connectors.lanes import Lane
from medley.connectors.rate_budget import (
    LocalRateBudget,
    RedisRateBudget,
    Shares,
    budget_key,
    build_rate_budget,
    shared_local_budget,
)
from medley.domain.errors import ErrorCode, MedleyError
from tests.support.redis import closed_port_url, running_redis


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_requests_within_the_limit_go_at_once() -> None:
    budget = LocalRateBudget(3, window=60, clock=Clock())
    assert [budget.reserve(max_wait=0) for _ in range(3)] == [0, 0, 0]


def test_the_next_request_waits_until_the_oldest_leaves_the_window() -> None:
    clock = Clock()
    budget = LocalRateBudget(3, window=60, clock=clock)
    budget.reserve(0)
    clock.now += 10
    budget.reserve(0)
    budget.reserve(0)
    assert budget.reserve(max_wait=60) == pytest.approx(50)  # the first left at t0+60
    assert budget.reserve(max_wait=60) == pytest.approx(60)  # then the second, at t0+70


def test_no_window_anywhere_ever_holds_more_than_the_limit() -> None:
    clock = Clock()
    budget = LocalRateBudget(5, window=60, clock=clock)
    sends = []
    for step in range(40):
        clock.now = 1000 + step * 3.7
        sends.append(clock.now + budget.reserve(max_wait=1000))
    for start in sends:
        assert sum(start <= s < start + 60 for s in sends) <= 5


def test_a_wait_beyond_the_bound_is_refused_without_reserving() -> None:
    budget = LocalRateBudget(1, window=60, clock=Clock())
    budget.reserve(0)
    with pytest.raises(MedleyError) as caught:
        budget.reserve(max_wait=10)
    assert caught.value.code == ErrorCode.RATE_LIMITED
    assert caught.value.headers["Retry-After"] == "60"
    with pytest.raises(MedleyError):
        budget.reserve(max_wait=10)  # the refused request took no place in the log


async def test_a_429_hold_makes_everyone_wait_for_the_reset() -> None:
    clock = Clock()
    budget = LocalRateBudget(100, window=60, clock=clock)
    await budget.hold_until(time.time() + 30)
    assert budget.reserve(max_wait=60) == pytest.approx(30, abs=0.5)


async def test_a_limit_of_zero_counts_nothing_but_still_honours_a_429() -> None:
    budget = build_rate_budget("key-au1", redis_url="redis://127.0.0.1:1", limit=0)
    assert isinstance(budget, LocalRateBudget), "no limit: nothing to share through Redis"
    waits = [await budget.acquire(max_wait=0) for _ in range(10_000)]
    assert max(waits) == 0
    await budget.hold_until(time.time() + 30)
    with pytest.raises(MedleyError) as refused:
        await budget.acquire(max_wait=5)
    assert refused.value.code == ErrorCode.RATE_LIMITED


def test_connectors_of_one_key_share_one_budget_in_process() -> None:
    first = shared_local_budget("key-au1")
    assert shared_local_budget("key-au1") is first
    assert shared_local_budget("other-au1") is not first
    assert build_rate_budget("key-au1", redis_url=None) is first


def test_budgets_are_named_by_a_hash_never_the_key() -> None:
    name = budget_key("MS0xLXNlY3JldA-au1")
    assert "MS0x" not in name and len(name) == 32


# ---- Redis (a real server when one is installed) -------------------------------------------------


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with running_redis() as url:
        yield url


async def test_replicas_share_one_budget_through_redis(redis_url: str) -> None:
    name = budget_key(f"shared-{time.time()}")
    replica_a = RedisRateBudget(redis_url, name, limit=4, window=60)
    replica_b = RedisRateBudget(redis_url, name, limit=4, window=60)
    try:
        waits = await asyncio.gather(*(r.acquire(max_wait=0) for r in (replica_a, replica_b) * 2))
        assert waits == [0, 0, 0, 0]
        with pytest.raises(MedleyError) as caught:
            await replica_b.acquire(max_wait=5)
        assert caught.value.code == ErrorCode.RATE_LIMITED
        assert 55 <= int(caught.value.headers["Retry-After"]) <= 61
    finally:
        await replica_a.aclose()
        await replica_b.aclose()


async def test_a_short_wait_in_redis_is_slept_through(redis_url: str) -> None:
    budget = RedisRateBudget(redis_url, budget_key(f"short-{time.time()}"), limit=1, window=0.3)
    try:
        await budget.acquire(max_wait=0)
        started = time.monotonic()
        waited = await budget.acquire(max_wait=1)
        assert 0.15 <= waited <= 0.35
        assert time.monotonic() - started >= 0.15
    finally:
        await budget.aclose()


async def test_a_429_hold_is_shared_through_redis(redis_url: str) -> None:
    name = budget_key(f"hold-{time.time()}")
    replica_a = RedisRateBudget(redis_url, name, limit=100, window=60)
    replica_b = RedisRateBudget(redis_url, name, limit=100, window=60)
    try:
        await replica_a.hold_until(time.time() + 20)
        with pytest.raises(MedleyError) as caught:
            await replica_b.acquire(max_wait=5)
        assert caught.value.code == ErrorCode.RATE_LIMITED
    finally:
        await replica_a.aclose()
        await replica_b.aclose()


async def test_an_unreachable_redis_falls_back_to_the_local_budget() -> None:
    budget = RedisRateBudget(closed_port_url(), "nobody", limit=2, window=60)
    try:
        assert await budget.acquire(max_wait=0) == 0
        assert await budget.acquire(max_wait=0) == 0
        with pytest.raises(MedleyError):
            await budget.acquire(max_wait=0)
    finally:
        await budget.aclose()


# ---- lanes: writes keep a reserved share, the sync a bounded one ------------------------------------


async def _fill(budget: LocalRateBudget | RedisRateBudget, lane: Lane, count: int) -> int:
    """How many of ``count`` sends of ``lane`` go at once (the rest are refused, never queued)."""
    sent = 0
    for _ in range(count):
        try:
            await budget.acquire(max_wait=0, lane=lane)
        except MedleyError:
            continue
        sent += 1
    return sent


async def test_reads_can_never_take_the_writes_reserved_share() -> None:
    budget = LocalRateBudget(10, window=60, shares=Shares(write=0.3, sync=0.1), clock=Clock())
    assert await _fill(budget, Lane.read, 20) == 7
    assert await budget.headroom(Lane.read) == 0
    assert await budget.headroom(Lane.write) == 3
    assert await _fill(budget, Lane.write, 5) == 3


async def test_the_sync_is_held_to_its_share_while_others_send_and_uses_what_is_idle() -> None:
    clock = Clock()
    budget = LocalRateBudget(20, window=60, shares=Shares(write=0.3, sync=0.15), clock=clock)
    assert await _fill(budget, Lane.read, 1) == 1
    assert await _fill(budget, Lane.sync, 10) == 3, "15% of 20 while a read was sent just now"
    clock.now += 10  # nobody else has sent for a while: the sync may warm up with what is idle
    assert await _fill(budget, Lane.sync, 20) == 10, "up to what reads may use (70%), never the writes' share"
    assert await _fill(budget, Lane.write, 10) == 6


async def test_lanes_are_shared_through_redis(redis_url: str) -> None:
    name = budget_key(f"lanes-{time.time()}")
    replica_a = RedisRateBudget(redis_url, name, limit=10, window=60, shares=Shares(write=0.3, sync=0.1))
    replica_b = RedisRateBudget(redis_url, name, limit=10, window=60, shares=Shares(write=0.3, sync=0.1))
    try:
        assert await _fill(replica_a, Lane.read, 4) + await _fill(replica_b, Lane.read, 10) == 7
        assert await replica_a.headroom(Lane.read) == 0
        assert await replica_b.headroom(Lane.write) == 3
        assert await _fill(replica_b, Lane.write, 5) == 3
    finally:
        await replica_a.aclose()
        await replica_b.aclose()
