"""``medley worker`` processes sharing one outbox: a worker killed mid-delivery loses nothing, and two
workers never send one delivery at the same time."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from medley.config import Settings
from medley.events import subscriptions
from medley.events.changes import EventType
from medley.events.recorder import record_event
from medley.store.applications import create_application
from medley.store.database import Store
from medley.store.tables import EventRow, WebhookDeliveryRow
from tests.events.conftest import store_env
from tests.events.receiver import Receiver, running_receiver

STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
SETTINGS = Settings(sandbox=True)


def _worker_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ, "MEDLEY_DATA_DIR": str(data_dir), "MEDLEY_DATABASE_URL": database_url,
        "MEDLEY_SYNC_ENABLED": "false", "MEDLEY_WEBHOOK_POLL_SECONDS": "0.05",
        "MEDLEY_WEBHOOK_RETRY_SCALE": "0.0002", **extra,
    }


@contextmanager
def _worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "medley.cli", "worker"], env=env, stdout=out, stderr=out)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def _prepare(url: str, receiver: Receiver, count: int) -> list[str]:
    """An application subscribed to the receiver, and ``count`` events owed to it; returns the event ids."""
    store = Store.from_url(url)
    await store.start()
    try:
        application, _ = await create_application(store, "clinic app")
        _, secret = await subscriptions.create_subscription(
            store, SETTINGS, application.id, url=receiver.url, events=["*"], description=""
        )
        receiver.secrets.append(secret)
        async with store.sessions() as session, session.begin():
            for n in range(count):
                await record_event(
                    session, application_id=application.id, connection_id="conn", emr="cliniko",
                    care_unit_id="1", type=EventType.appointment_created, record_type="appointment",
                    record_id=str(n), version="v1", occurred_at=datetime.now(UTC), data={"appointment_id": str(n)},
                )
        async with store.sessions() as session:
            return list((await session.scalars(select(EventRow.id))).all())
    finally:
        await store.close()


async def _statuses(url: str) -> Counter[str]:
    store = Store.from_url(url)
    try:
        async with store.sessions() as session:
            return Counter((await session.scalars(select(WebhookDeliveryRow.status))).all())
    finally:
        await store.close()


@contextmanager
def _database(backend: str, tmp_path: Path) -> Iterator[str]:
    with ExitStack() as stack:
        env = store_env(backend, stack)
        yield env.get("MEDLEY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'medley.db'}")


@pytest.mark.parametrize("backend", STORES)
def test_a_worker_killed_mid_delivery_loses_nothing(backend: str, tmp_path: Path) -> None:
    release = threading.Event()
    stuck: list[str] = []

    def answer(number: int) -> tuple[int, dict[str, str]]:
        if number == 1:
            release.wait(30)  # the first delivery hangs until the test ends
        return 200, {}

    with _database(backend, tmp_path) as url, running_receiver(answer) as receiver:
        event_ids = asyncio.run(_prepare(url, receiver, 5))
        env = _worker_env(url, tmp_path, MEDLEY_WEBHOOK_TIMEOUT_SECONDS="5", MEDLEY_WEBHOOK_LEASE_SECONDS="3")
        try:
            with _worker(env, tmp_path / "worker-a.log") as first:
                receiver.wait_for(5, timeout=30)
                stuck.append(receiver.accepted()[0].webhook_id)
                first.send_signal(signal.SIGKILL)
                first.wait()
            # The killed worker's lease lapses (it outlives the 5 s attempt timeout), then another takes it.
            env["MEDLEY_WEBHOOK_TIMEOUT_SECONDS"] = "2"
            with _worker(env, tmp_path / "worker-b.log"):
                deliveries = receiver.wait_for(6, timeout=60)
                assert {d.webhook_id for d in deliveries} == set(event_ids)
                assert Counter(d.webhook_id for d in deliveries)[stuck[0]] == 2
                assert all(d.verified_with for d in deliveries)
                for _ in range(100):
                    if asyncio.run(_statuses(url)) == Counter({"succeeded": 5}):
                        break
                    threading.Event().wait(0.1)
                assert asyncio.run(_statuses(url)) == Counter({"succeeded": 5})
        finally:
            release.set()


@pytest.mark.parametrize("backend", STORES)
def test_two_workers_never_send_one_delivery_twice_at_once(backend: str, tmp_path: Path) -> None:
    def slowish(_number: int) -> tuple[int, dict[str, str]]:
        threading.Event().wait(0.02)
        return 200, {}

    with _database(backend, tmp_path) as url, running_receiver(slowish) as receiver:
        event_ids = asyncio.run(_prepare(url, receiver, 200))
        env = _worker_env(url, tmp_path)
        with _worker(env, tmp_path / "worker-1.log"), _worker(env, tmp_path / "worker-2.log"):
            deliveries = receiver.wait_for(200, timeout=90)
            threading.Event().wait(1.0)
            deliveries = receiver.accepted()
        assert receiver.overlaps == []
        assert sorted(d.webhook_id for d in deliveries) == sorted(event_ids)  # each exactly once
        assert all(d.verified_with for d in deliveries)
