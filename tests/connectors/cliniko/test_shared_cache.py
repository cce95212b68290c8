"""DESIGN §5: with ``MEDLEY_REDIS_URL`` the Cliniko slot and reference caches are shared by every replica
through a real Redis; without Redis (or when it fails) each process keeps its own, and requests still work.

"Replicas" here are separate connectors (each with its own in-process memory) over one fake Cliniko.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, timedelta

import httpx
import pytest

from medley.config import Settings
from medley.connectors.cliniko.client import ClinikoClient
from medley.connectors.cliniko.connector import ClinikoConnector
from medley.connectors.cliniko.reference import (
    ReferenceCache,
    SharedPractice,
    load_practice,
    practice_from_json,
    practice_to_json,
)
from medley.connectors.cliniko.slot_cache import RedisSlotCache, SlotCache, SlotKey, Starts
from medley.connectors.rate_budget import LocalRateBudget
from medley.connectors.redis_client import RedisOutage, aclose_redis_clients, redis_client
from medley.connectors.registry import cache_namespace
from medley.domain.models import NewAppointment
from tests.connectors.cliniko.mini_cliniko import BUSINESS_ID, ZONE, MiniCliniko
from tests.support.redis import closed_port_url, running_redis

PRACTITIONERS = ["200", "201", "202"]
TYPES = {"300": 30, "301": 60}
API_KEY = "MS0xc2hhcmVkLWNhY2hlLXNlY3JldA-au1"
MINI_URL = "http://mini.cliniko/v1"


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with running_redis() as url:
        yield url


@pytest.fixture
async def namespace(redis_url: str) -> AsyncIterator[str]:
    """A key prefix of this test's own; everything under it is deleted afterwards."""
    name = f"medley:test:{uuid.uuid4().hex}"
    yield name
    redis = redis_client(redis_url)
    keys = [key async for key in redis.scan_iter(match=name + ":*")]
    if keys:
        await redis.delete(*keys)
    await aclose_redis_clients()


class Upstream:
    """Counts the loads a cache asks for, and answers them."""

    def __init__(self, starts: Starts) -> None:
        self.starts = starts
        self.loads = 0

    async def load(self) -> Starts:
        self.loads += 1
        return self.starts


def key(practitioner: str = "200", type_id: str = "300") -> SlotKey:
    return (BUSINESS_ID, practitioner, type_id, date(2030, 1, 7), date(2030, 1, 13))


STARTS = [datetime(2030, 1, 7, 9, tzinfo=ZONE), datetime(2030, 1, 7, 9, 30, tzinfo=ZONE)]


def shared_slots(redis_url: str, namespace: str, ttl: float = 30.0) -> RedisSlotCache:
    return RedisSlotCache(redis_url, namespace, ttl, fallback=SlotCache(ttl))


# ---- the slot cache ---------------------------------------------------------------------------------


async def test_an_answer_loaded_by_one_replica_is_reused_by_another(redis_url: str, namespace: str) -> None:
    upstream = Upstream(STARTS)
    replica_a, replica_b = shared_slots(redis_url, namespace), shared_slots(redis_url, namespace)
    assert await replica_a.get_or_load(key(), upstream.load, fresh=False) == STARTS
    assert await replica_b.get_or_load(key(), upstream.load, fresh=False) == STARTS
    assert upstream.loads == 1


async def test_answers_live_in_one_hash_per_practitioner_that_expires_at_twice_the_ttl(
    redis_url: str, namespace: str
) -> None:
    cache = shared_slots(redis_url, namespace, ttl=30)
    await cache.get_or_load(key("200"), Upstream(STARTS).load, fresh=False)
    await cache.get_or_load(key("200", "301"), Upstream(None).load, fresh=False)
    await cache.get_or_load(key("201"), Upstream([]).load, fresh=False)
    redis = redis_client(redis_url)
    names = sorted([k.decode() async for k in redis.scan_iter(match=namespace + ":*")])
    assert names == [f"{namespace}:slots:200", f"{namespace}:slots:201"]
    fields = sorted(f.decode() for f in await redis.hkeys(f"{namespace}:slots:200"))
    assert fields == [f"{BUSINESS_ID}|300|2030-01-07|2030-01-13", f"{BUSINESS_ID}|301|2030-01-07|2030-01-13"]
    assert 30_000 < await redis.pttl(f"{namespace}:slots:200") <= 60_000


async def test_not_bookable_online_is_remembered_too(redis_url: str, namespace: str) -> None:
    upstream = Upstream(None)
    for replica in (shared_slots(redis_url, namespace), shared_slots(redis_url, namespace)):
        assert await replica.get_or_load(key(), upstream.load, fresh=False) is None
    assert upstream.loads == 1


async def test_our_write_forgets_only_the_practitioners_it_touched_in_every_replica(
    redis_url: str, namespace: str
) -> None:
    replica_a, replica_b = shared_slots(redis_url, namespace), shared_slots(redis_url, namespace)
    first, second = Upstream(STARTS), Upstream(STARTS)
    await replica_b.get_or_load(key("200"), first.load, fresh=False)
    await replica_b.get_or_load(key("201"), second.load, fresh=False)
    await replica_a.forget({"200"})
    await replica_b.get_or_load(key("200"), first.load, fresh=False)
    await replica_b.get_or_load(key("201"), second.load, fresh=False)
    assert (first.loads, second.loads) == (2, 1)


async def test_forgetting_everyone_clears_the_whole_account_and_no_other(redis_url: str, namespace: str) -> None:
    other_account = namespace + "-other"
    mine, theirs = shared_slots(redis_url, namespace), shared_slots(redis_url, other_account)
    upstream = Upstream(STARTS)
    for practitioner in PRACTITIONERS:
        await mine.get_or_load(key(practitioner), upstream.load, fresh=False)
    await theirs.get_or_load(key("200"), upstream.load, fresh=False)
    await mine.forget(None)
    redis = redis_client(redis_url)
    assert [k async for k in redis.scan_iter(match=namespace + ":slots:*")] == []
    try:
        await theirs.get_or_load(key("200"), upstream.load, fresh=False)
        assert upstream.loads == 4  # the other account's answer was still there
    finally:
        await redis.delete(f"{other_account}:slots:200")


async def test_an_answer_older_than_the_ttl_is_loaded_again(redis_url: str, namespace: str) -> None:
    upstream = Upstream(STARTS)
    cache = shared_slots(redis_url, namespace, ttl=0.3)
    await cache.get_or_load(key(), upstream.load, fresh=False)
    await asyncio.sleep(0.35)  # the hash itself lives 0.6 s: the entry's own expiry must be honoured
    assert await redis_client(redis_url).exists(f"{namespace}:slots:200")
    await cache.get_or_load(key(), upstream.load, fresh=False)
    assert upstream.loads == 2


async def test_fresh_reads_upstream_and_shares_what_it_saw(redis_url: str, namespace: str) -> None:
    replica_a, replica_b = shared_slots(redis_url, namespace), shared_slots(redis_url, namespace)
    await replica_a.get_or_load(key(), Upstream(STARTS).load, fresh=False)
    now_taken = Upstream(STARTS[1:])
    assert await replica_b.get_or_load(key(), now_taken.load, fresh=True) == STARTS[1:]
    assert await replica_a.get_or_load(key(), Upstream(STARTS).load, fresh=False) == STARTS[1:]
    assert now_taken.loads == 1


def test_the_account_namespace_never_reveals_the_api_key() -> None:
    name = cache_namespace(API_KEY, MINI_URL)
    assert name.startswith("medley:cliniko:") and len(name) == len("medley:cliniko:") + 24
    assert "MS0x" not in name and "au1" not in name
    assert cache_namespace(API_KEY, MINI_URL) == name
    assert cache_namespace(API_KEY, "http://other.emulator/v1") != name


# ---- the reference cache ----------------------------------------------------------------------------


def mini() -> MiniCliniko:
    return MiniCliniko(
        practitioner_ids=list(PRACTITIONERS), type_durations=dict(TYPES), offers={p: set(TYPES) for p in PRACTITIONERS}
    )


def client_for(fake: MiniCliniko, settings: Settings | None = None) -> ClinikoClient:
    return ClinikoClient(
        API_KEY,
        settings=settings or Settings(),
        base_url=MINI_URL,
        transport=httpx.ASGITransport(app=fake.app),
        rate_budget=LocalRateBudget(10_000),
    )


def reference_loads(fake: MiniCliniko) -> int:
    return fake.calls.count("GET /v1/businesses")


async def test_replicas_load_the_practice_from_cliniko_once_between_them(redis_url: str, namespace: str) -> None:
    fake = mini()
    clients = [client_for(fake), client_for(fake)]
    try:
        replica_a, replica_b = (ReferenceCache(c, 60, shared=SharedPractice(redis_url, namespace)) for c in clients)
        practice = await replica_a.get()
        assert await replica_b.get() == practice
        assert reference_loads(fake) == 1
        assert 0 < await redis_client(redis_url).pttl(f"{namespace}:practice") <= 60_000
    finally:
        for client in clients:
            await client.aclose()


async def test_the_practice_survives_its_trip_through_json() -> None:
    client = client_for(mini())
    try:
        practice = await load_practice(client)
    finally:
        await client.aclose()
    copy = practice_from_json(practice_to_json(practice))
    assert copy == practice
    assert list(copy.practitioners) == list(practice.practitioners)  # the order the API lists them in
    assert copy.types_of["200"] == frozenset(TYPES)


async def test_a_copy_from_redis_lives_only_as_long_as_the_redis_entry(redis_url: str, namespace: str) -> None:
    fake = mini()
    clients = [client_for(fake), client_for(fake)]
    try:
        replica_a, replica_b = (ReferenceCache(c, 0.6, shared=SharedPractice(redis_url, namespace)) for c in clients)
        await replica_a.get()
        await asyncio.sleep(0.3)
        await replica_b.get()  # from Redis, with about 0.3 s left
        assert reference_loads(fake) == 1
        await asyncio.sleep(0.4)  # past the entry's expiry, well before 0.6 s after replica B read it
        await replica_b.get()
        assert reference_loads(fake) == 2
    finally:
        for client in clients:
            await client.aclose()


async def test_invalidate_makes_every_replica_reload(redis_url: str, namespace: str) -> None:
    fake = mini()
    clients = [client_for(fake), client_for(fake)]
    try:
        replica_a, replica_b = (ReferenceCache(c, 60, shared=SharedPractice(redis_url, namespace)) for c in clients)
        await replica_a.get()
        await replica_a.invalidate()
        assert not await redis_client(redis_url).exists(f"{namespace}:practice")
        await replica_b.get()
        assert reference_loads(fake) == 2
    finally:
        for client in clients:
            await client.aclose()


# ---- the connector: two replicas, one Redis ----------------------------------------------------------


def tomorrow_at(hour: int) -> datetime:
    day = datetime.now(ZONE).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE)


def replica(fake: MiniCliniko, redis_url: str | None, namespace: str | None) -> ClinikoConnector:
    settings = Settings(redis_url=redis_url, timeslot_cache_seconds=60)
    return ClinikoConnector(client_for(fake, settings), settings=settings, cache_namespace=namespace)


def availability_calls(fake: MiniCliniko) -> list[str]:
    return [call for call in fake.calls if call.endswith("/available_times")]


async def list_tomorrow(connector: ClinikoConnector) -> None:
    await connector.list_timeslots(BUSINESS_ID, tomorrow_at(9), tomorrow_at(17))


def booking(resource_id: str) -> NewAppointment:
    return NewAppointment(
        start=tomorrow_at(10),
        end=tomorrow_at(10) + timedelta(minutes=30),
        patient_id="555",
        resource_id=resource_id,
        healthcare_service_id="300",
    )


async def test_a_booking_through_one_replica_is_seen_by_the_other_at_once(redis_url: str, namespace: str) -> None:
    fake = mini()
    replica_a, replica_b = replica(fake, redis_url, namespace), replica(fake, redis_url, namespace)
    try:
        await list_tomorrow(replica_b)
        pairs = len(PRACTITIONERS) * len(TYPES)
        assert len(availability_calls(fake)) == pairs
        await list_tomorrow(replica_a)
        assert len(availability_calls(fake)) == pairs  # replica A reused B's answers
        await replica_a.create_appointment(BUSINESS_ID, booking("201"))
        before = len(availability_calls(fake))
        await list_tomorrow(replica_b)
        asked_again = availability_calls(fake)[before:]
        assert len(asked_again) == len(TYPES)  # practitioner 201's pairs only
        assert all("/practitioners/201/" in call for call in asked_again)
    finally:
        await replica_a.aclose()
        await replica_b.aclose()


async def test_an_unreachable_redis_leaves_each_replica_its_own_caches(caplog: pytest.LogCaptureFixture) -> None:
    fake = mini()
    url = closed_port_url()
    connector = replica(fake, url, cache_namespace(API_KEY, MINI_URL))
    caplog.set_level(logging.WARNING, logger="medley")
    try:
        units = await connector.list_care_units()
        assert [unit.id for unit in units] == [BUSINESS_ID]
        await list_tomorrow(connector)
        calls = len(availability_calls(fake))
        await list_tomorrow(connector)
        assert len(availability_calls(fake)) == calls  # remembered in the process
        await connector.list_care_units()
        assert reference_loads(fake) == 1
        await connector.create_appointment(BUSINESS_ID, booking("202"))
        await list_tomorrow(connector)
        assert len(availability_calls(fake)) == calls + len(TYPES)  # the write still forgot practitioner 202
    finally:
        await connector.aclose()
    for what in ("slot cache", "reference cache"):
        warned = [r for r in caplog.records if r.getMessage().startswith(f"{what}: Redis unavailable")]
        assert len(warned) <= 1  # once a minute at most, however many calls fell back
    for record in caplog.records:
        assert API_KEY not in record.getMessage() and url not in record.getMessage()


def test_an_outage_is_logged_at_most_once_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    now = [1000.0]
    outage = RedisOutage(logging.getLogger("medley.test"), "slot cache", clock=lambda: now[0])
    caplog.set_level(logging.WARNING, logger="medley.test")
    for step in range(6):
        now[0] = 1000.0 + step * 20
        outage.report(ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."))
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["slot cache: Redis unavailable (ConnectionError); using this process's own meanwhile"] * 2
    assert all("6379" not in message for message in messages)


async def test_without_redis_each_replica_asks_cliniko_itself() -> None:
    fake = mini()
    replica_a, replica_b = replica(fake, None, None), replica(fake, None, None)
    try:
        await list_tomorrow(replica_a)
        await list_tomorrow(replica_b)
        await list_tomorrow(replica_b)
    finally:
        await replica_a.aclose()
        await replica_b.aclose()
    assert len(availability_calls(fake)) == 2 * len(PRACTITIONERS) * len(TYPES)
