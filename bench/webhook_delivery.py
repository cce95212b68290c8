"""Webhook delivery throughput: one ``medley worker`` draining a PostgreSQL outbox to a local receiver.

The outbox is filled first (N events, one subscription, so N deliveries owed), then one worker process is
started and timed from its first successful delivery to its last. Every delivery is signed, goes through the
SSRF check (sandbox mode: loopback allowed) and has its outcome written back under its lease. The receiver
is uvicorn answering 204 (its own process). Target: at least 200 deliveries per second.

Run: ``python -m bench.webhook_delivery [--events 5000] [--concurrency 32]`` (PostgreSQL admin URL from
``MEDLEY_TEST_POSTGRES_URL``, default ``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``; a scratch
database is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select

from medley.config import Settings
from medley.events import subscriptions
from medley.events.changes import EventType
from medley.events.recorder import record_event
from medley.store.applications import create_application
from medley.store.database import Store
from medley.store.tables import WebhookDeliveryRow
from tests.support.postgres import ADMIN_URL_ENV, scratch_database
from tests.support.server import free_port

DEFAULT_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def receiver_app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """The receiver: reads the body, answers 204."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def _fill(url: str, receiver_url: str, count: int) -> None:
    store = Store.from_url(url)
    await store.start()
    try:
        application, _ = await create_application(store, "bench")
        await subscriptions.create_subscription(
            store, Settings(sandbox=True), application.id, url=receiver_url, events=["*"], description="bench"
        )
        for first in range(0, count, 500):
            async with store.sessions() as session, session.begin():
                for n in range(first, min(count, first + 500)):
                    await record_event(
                        session,
                        application_id=application.id,
                        connection_id="bench",
                        emr="cliniko",
                        care_unit_id="1",
                        type=EventType.appointment_created,
                        record_type="appointment",
                        record_id=str(n),
                        version="v1",
                        occurred_at=datetime.now(UTC),
                        data={"appointment_id": str(n), "status": "booked"},
                    )
    finally:
        await store.close()


async def _succeeded(store: Store) -> int:
    async with store.sessions() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(WebhookDeliveryRow).where(WebhookDeliveryRow.status == "succeeded")
            )
            or 0
        )


async def _measure(url: str, count: int) -> tuple[float, int]:
    """Seconds from the first success to the last, and how many were delivered in that time."""
    store = Store.from_url(url)
    try:
        deadline = time.monotonic() + 600
        while (first := await _succeeded(store)) == 0:
            if time.monotonic() > deadline:
                raise TimeoutError("the worker delivered nothing")
            await asyncio.sleep(0.01)
        began = time.monotonic()
        while (done := await _succeeded(store)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {done} of {count} delivered")
            await asyncio.sleep(0.05)
        return time.monotonic() - began, count - first
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    admin = os.environ.get(ADMIN_URL_ENV) or DEFAULT_ADMIN_URL
    os.environ[ADMIN_URL_ENV] = admin
    port = free_port()
    receiver = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.webhook_delivery:receiver_app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
    )
    try:
        for _ in range(100):
            try:
                httpx.post(f"http://127.0.0.1:{port}/", timeout=0.5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        with scratch_database("medley_bench_webhooks") as url, tempfile.TemporaryDirectory() as data_dir:
            asyncio.run(_fill(url, f"http://127.0.0.1:{port}/hooks", args.events))
            env = {
                **os.environ,
                "MEDLEY_DATA_DIR": data_dir,
                "MEDLEY_DATABASE_URL": url,
                "MEDLEY_SYNC_ENABLED": "false",
                "MEDLEY_LOG_LEVEL": "warning",
                "MEDLEY_WEBHOOK_CONCURRENCY": str(args.concurrency),
            }
            worker = subprocess.Popen([sys.executable, "-m", "medley.cli", "worker"], env=env)
            try:
                seconds, delivered = asyncio.run(_measure(url, args.events))
            finally:
                worker.terminate()
                worker.wait(timeout=15)
        print(
            f"{delivered} deliveries in {seconds:.2f} s: {delivered / seconds:.1f} deliveries/s "
            f"(one worker, concurrency {args.concurrency}, PostgreSQL outbox)"
        )
    finally:
        receiver.terminate()
        receiver.wait(timeout=15)


if __name__ == "__main__":
    main()
