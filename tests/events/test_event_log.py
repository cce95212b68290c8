"""The event log and the outbox in the store: one change one event, inside the caller's transaction, and
paging that never skips or repeats while transactions commit out of order (PostgreSQL)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from medley.config import Settings
from medley.events import outbox, subscriptions
from medley.events.changes import EventType
from medley.events.log import read_events
from medley.events.recorder import record_event
from medley.store.applications import create_application
from medley.store.database import Store
from medley.store.tables import ApplicationRow, WebhookDeliveryRow
from tests.support.postgres import admin_url, scratch_database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
SETTINGS = Settings(sandbox=True)
MASTER_KEY = SETTINGS.master_key.get_secret_value()


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    if admin_url() is None:
        pytest.skip("MEDLEY_TEST_POSTGRES_URL is not set")
    with scratch_database("medley_events_log") as url:
        yield url


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'medley.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    store = Store.from_url(store_url)
    await store.start()
    if store.dialect == "postgresql":
        async with store.engine.begin() as connection:
            await connection.execute(text("TRUNCATE medley_applications CASCADE"))
            await connection.execute(text("TRUNCATE medley_events CASCADE"))
    try:
        yield store
    finally:
        await store.close()


async def _app(store: Store) -> str:
    application, _ = await create_application(store, "clinic app")
    return application.id


def _event(application_id: str, record_id: str, version: str = "v1", **overrides: object) -> dict[str, object]:
    return {
        "application_id": application_id, "connection_id": "conn1", "emr": "cliniko", "care_unit_id": "1",
        "type": EventType.appointment_created, "record_type": "appointment", "record_id": record_id,
        "version": version, "occurred_at": datetime.now(UTC), "data": {"appointment_id": record_id},
        **overrides,
    }


async def test_one_change_seen_twice_is_one_event_and_the_callers_transaction_survives(store: Store) -> None:
    app_id = await _app(store)
    async with store.sessions() as session, session.begin():
        assert await record_event(session, **_event(app_id, "a1")) is True  # type: ignore[arg-type]
        assert await record_event(session, **_event(app_id, "a1")) is False  # type: ignore[arg-type]
        # The duplicate did not abort the transaction: the caller's own writes still go through.
        session.add(ApplicationRow(id="later", name="n", client_id="c-later", secret_hash="x",
                                   created_at=datetime.now(UTC), disabled_at=None))
    async with store.sessions() as session, session.begin():
        assert await record_event(session, **_event(app_id, "a1")) is False  # type: ignore[arg-type]
        assert await record_event(session, **_event(app_id, "a1", "v2")) is True  # type: ignore[arg-type]
    events = await read_events(store, app_id, after=None, types=None, limit=10)
    assert [e.data["appointment_id"] for e in events] == ["a1", "a1"]
    async with store.sessions() as session:
        assert await session.get(ApplicationRow, "later") is not None


async def test_an_event_rolled_back_with_its_change_is_never_seen(store: Store) -> None:
    app_id = await _app(store)
    with pytest.raises(RuntimeError):
        async with store.sessions() as session, session.begin():
            await record_event(session, **_event(app_id, "gone"))  # type: ignore[arg-type]
            raise RuntimeError("the mirror's write failed")
    assert await read_events(store, app_id, after=None, types=None, limit=10) == []


async def test_deliveries_are_owed_only_to_enabled_matching_subscriptions(store: Store) -> None:
    app_id = await _app(store)
    other_app = await _app(store)
    url = "http://127.0.0.1:9/x"
    every, _ = await subscriptions.create_subscription(store, SETTINGS, app_id, url=url, events=["*"], description="")
    cancels, _ = await subscriptions.create_subscription(
        store, SETTINGS, app_id, url=url, events=["appointment.cancelled"], description=""
    )
    off, _ = await subscriptions.create_subscription(store, SETTINGS, app_id, url=url, events=["*"], description="")
    await subscriptions.update_subscription(store, SETTINGS, app_id, off.id, {"enabled": False})
    await subscriptions.create_subscription(store, SETTINGS, other_app, url=url, events=["*"], description="")
    async with store.sessions() as session, session.begin():
        await record_event(session, **_event(app_id, "a1"))  # type: ignore[arg-type]
    async with store.sessions() as session:
        owed = (await session.scalars(select(WebhookDeliveryRow.subscription_id))).all()
    assert owed == [every.id]
    assert cancels.id not in owed


async def test_paging_is_stable_while_transactions_commit_out_of_order(store: Store) -> None:
    app_id = await _app(store)
    async with store.sessions() as session, session.begin():
        await record_event(session, **_event(app_id, "first"))  # type: ignore[arg-type]
    page = await read_events(store, app_id, after=None, types=None, limit=10)
    assert [e.data["appointment_id"] for e in page] == ["first"]
    if store.dialect == "postgresql":
        slow = store.sessions()
        await slow.begin()
        await record_event(slow, **_event(app_id, "slow"))  # type: ignore[arg-type]  # inserted first, commits last
        async with store.sessions() as session, session.begin():
            await record_event(session, **_event(app_id, "fast"))  # type: ignore[arg-type]
        page = await read_events(store, app_id, after=page[-1].id, types=None, limit=10)
        assert [e.data["appointment_id"] for e in page] == ["fast"]
        await slow.commit()
        await slow.close()
        # The late commit comes after the cursor, not before it: nothing is skipped or repeated.
        rest = await read_events(store, app_id, after=page[-1].id, types=None, limit=10)
        assert [e.data["appointment_id"] for e in rest] == ["slow"]
    everything = await read_events(store, app_id, after=None, types=None, limit=10)
    assert len({e.id for e in everything}) == len(everything)


async def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_lapses(store: Store) -> None:
    app_id = await _app(store)
    await subscriptions.create_subscription(
        store, SETTINGS, app_id, url="http://127.0.0.1:9/x", events=["*"], description=""
    )
    async with store.sessions() as session, session.begin():
        await record_event(session, **_event(app_id, "a1"))  # type: ignore[arg-type]
    [held] = await outbox.claim(store, limit=10, lease=timedelta(seconds=0.3), master_key=MASTER_KEY)
    assert await outbox.claim(store, limit=10, lease=timedelta(seconds=30), master_key=MASTER_KEY) == []
    await asyncio.sleep(0.4)
    [again] = await outbox.claim(store, limit=10, lease=timedelta(seconds=30), master_key=MASTER_KEY)
    assert again.id == held.id and again.body == held.body
    # The first holder's lease is gone: its late outcome is not written over the new holder's attempt.
    await outbox.finish(store, held, outbox.Outcome(200), retry_scale=1.0)
    [delivery] = await outbox.list_deliveries(store, app_id, again.subscription_id)
    assert delivery.status == "pending" and delivery.attempts == 0
    await outbox.finish(store, again, outbox.Outcome(200), retry_scale=1.0)
    [delivery] = await outbox.list_deliveries(store, app_id, again.subscription_id)
    assert delivery.status == "succeeded" and delivery.attempts == 1


async def test_expired_events_are_purged_with_their_deliveries(store: Store) -> None:
    app_id = await _app(store)
    async with store.sessions() as session, session.begin():
        await record_event(session, **_event(app_id, "old"))  # type: ignore[arg-type]
    assert await outbox.purge_expired_events(store, retention=timedelta(days=30)) == 0
    assert await outbox.purge_expired_events(store, retention=timedelta(seconds=-1)) == 1
    assert await read_events(store, app_id, after=None, types=None, limit=10) == []


async def test_a_reader_paging_while_writers_commit_in_any_order_sees_each_event_once(store: Store) -> None:
    app_id = await _app(store)
    rng = random.Random(7)
    delays = [rng.uniform(0, 0.05) for _ in range(60)]

    async def writer(n: int) -> None:
        async with store.sessions() as session, session.begin():
            await record_event(session, **_event(app_id, f"r{n}"))  # type: ignore[arg-type]
            await asyncio.sleep(delays[n])  # hold the transaction open: commits land out of insert order

    seen: list[str] = []
    after: str | None = None
    writers = asyncio.gather(*(writer(n) for n in range(len(delays))))
    deadline = asyncio.get_running_loop().time() + 30
    while asyncio.get_running_loop().time() < deadline:
        finished = writers.done()  # read before the page: a page read after the last commit ends it
        page = await read_events(store, app_id, after=after, types=None, limit=3)
        seen += [e.data["appointment_id"] for e in page]
        after = page[-1].id if page else after
        if finished and not page:
            break
        await asyncio.sleep(0.005)
    await writers
    assert sorted(seen) == sorted(f"r{n}" for n in range(len(delays)))  # none skipped, none repeated
    everything = await read_events(store, app_id, after=None, types=None, limit=1000)
    assert [e.data["appointment_id"] for e in everything] == seen  # and in the log's one order
