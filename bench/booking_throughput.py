"""Booking throughput: many distinct free slots booked at once through TWO gateway replicas sharing one
PostgreSQL store, against one Cliniko emulator (its own process, on the same PostgreSQL server).

Every booking takes the full safe path (DESIGN.md §3): an ``Idempotency-Key`` claimed in the shared store, the
cross-replica lock per practitioner, the write holds settled, a fresh upstream re-check inside it, a hold on the time,
the write, the upstream conflicts check, and the audit record. Target: at least 50 bookings per second.
At the end the emulator is asked how many appointments were written: exactly one per success, or it fails.

Run: ``python -m bench.booking_throughput [--clients 16] [--bookings 1500] [--seconds 60] [--no-idempotency-key]``
(PostgreSQL admin URL from ``MEDLEY_TEST_POSTGRES_URL``, default ``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``;
a scratch database is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bench.harness import Timings
from tests.integrity.deployment import (
    EMULATOR_API_KEY,
    EMULATOR_ENV,
    MASTER_KEY,
    AppCredentials,
    Emulator,
    instant,
    live_app,
)
from tests.support.postgres import ADMIN_URL_ENV, scratch_database
from tests.support.server import running_medley

DEFAULT_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
REPLICAS = 2
PATIENTS = 24
# The widest window the gateway allows: plenty of free slots for every practitioner.
SLOT_WINDOW = timedelta(days=60)
Json = Any
T = TypeVar("T")


@dataclass
class Results:
    statuses: Counter[int] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def booked(self) -> int:
        return self.statuses[201]


@contextmanager
def deployment(admin_url: str, root: Path) -> Iterator[tuple[list[str], AppCredentials, Emulator]]:
    """One emulator and two gateways on one scratch PostgreSQL database; one application, made with the CLI."""
    os.environ[ADMIN_URL_ENV] = admin_url
    with ExitStack() as stack:
        database = stack.enter_context(scratch_database("medley_bench"))
        quiet = {"MEDLEY_LOG_LEVEL": "warning"}
        ehr_dir, gateway_dirs = root / "emulator", [root / f"gateway-{n}" for n in range(REPLICAS)]
        for folder in (ehr_dir, *gateway_dirs):
            folder.mkdir()
        ehr_url = stack.enter_context(
            running_medley("sandbox", {**EMULATOR_ENV, **quiet, "MEDLEY_SANDBOX_DATABASE_URL": database}, ehr_dir)
        )
        gateway_env = {
            **quiet,
            "MEDLEY_SANDBOX": "false",
            "MEDLEY_DATABASE_URL": database,
            "MEDLEY_MASTER_KEY": MASTER_KEY,
            "MEDLEY_UPSTREAM_REQUESTS_PER_MINUTE": "10000000",
            "MEDLEY_UPSTREAM_CONCURRENCY": "64",
        }
        app = live_app(gateway_env, gateway_dirs[0], "Bench clinic", ehr_url + "/v1", EMULATOR_API_KEY)
        gateways = [stack.enter_context(running_medley("serve", gateway_env, folder)) for folder in gateway_dirs]
        yield gateways, app, Emulator(ehr_url)


def _separate_slots(slots: list[dict[str, Json]]) -> list[dict[str, Json]]:
    """Slots no two of which overlap for one practitioner (services of different lengths share free time)."""
    by_resource: dict[str, list[dict[str, Json]]] = defaultdict(list)
    for slot in sorted(slots, key=lambda s: datetime.fromisoformat(s["start"])):
        taken = by_resource[slot["resource_id"]]
        if not taken or datetime.fromisoformat(taken[-1]["end"]) <= datetime.fromisoformat(slot["start"]):
            taken.append(slot)
    # Interleave practitioners, so concurrent bookings mostly hold different locks, as in a real practice.
    return _interleave(list(by_resource.values()))


def _interleave(rows: list[list[T]]) -> list[T]:
    return [row[i] for i in range(max(map(len, rows), default=0)) for row in rows if i < len(row)]


def prepare(gateway: str, app: AppCredentials, wanted: int) -> list[tuple[str, dict[str, Json]]]:
    """Up to ``wanted`` (care unit, booking body) pairs: distinct free slots, patients taken in turn."""
    per_unit: list[list[tuple[str, dict[str, Json]]]] = []
    with httpx.Client(base_url=f"{gateway}/api/emrs/cliniko", headers=app.headers, timeout=120) as api:
        units = [u["id"] for u in api.get("/care-units").raise_for_status().json()]
        for unit in units:
            patients = [
                api.post(
                    f"/care-units/{unit}/patients",
                    json={"first_name": "Bench", "last_name": f"Patient {n}", "birth_date": "1990-01-01"},
                )
                .raise_for_status()
                .json()["id"]
                for n in range(PATIENTS // len(units) + 1)
            ]
            window = {"start": (now := datetime.now(UTC)).isoformat(), "end": (now + SLOT_WINDOW).isoformat()}
            slots = _separate_slots(api.get(f"/care-units/{unit}/timeslots", params=window).raise_for_status().json())
            per_unit.append([(unit, {**s, "patient_id": patients[i % len(patients)]}) for i, s in enumerate(slots)])
    return _interleave(per_unit)[:wanted]


async def run(
    gateways: list[str],
    app: AppCredentials,
    work: list[tuple[str, dict[str, Json]]],
    clients: int,
    seconds: float,
    idempotency_keys: bool,
) -> Results:
    results = Results()
    queue: asyncio.Queue[tuple[str, dict[str, Json]]] = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)
    deadline = time.monotonic() + seconds

    async def client(index: int) -> None:
        base = f"{gateways[index % len(gateways)]}/api/emrs/cliniko"
        async with httpx.AsyncClient(base_url=base, headers=app.headers, timeout=60) as api:
            while time.monotonic() < deadline:
                try:
                    unit, body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                began = time.perf_counter()
                headers = {"Idempotency-Key": str(uuid.uuid4())} if idempotency_keys else {}
                response = await api.post(f"/care-units/{unit}/appointments", json=body, headers=headers)
                results.latencies_ms.append((time.perf_counter() - began) * 1000)
                results.statuses[response.status_code] += 1

    began = time.monotonic()
    await asyncio.gather(*(client(i) for i in range(clients)))
    results.elapsed = time.monotonic() - began
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients, spread over the replicas")
    parser.add_argument("--bookings", type=int, default=1500, help="distinct free slots to book (at most)")
    parser.add_argument("--seconds", type=float, default=60.0, help="stop sending after this long")
    parser.add_argument(
        "--no-idempotency-key", dest="idempotency_keys", action="store_false", help="send bookings without one"
    )
    parser.add_argument("--postgres-url", default=os.environ.get(ADMIN_URL_ENV) or DEFAULT_ADMIN_URL)
    args = parser.parse_args()
    command = shlex.join([Path(sys.executable).name, "-m", "bench.booking_throughput", *sys.argv[1:]])
    with (
        tempfile.TemporaryDirectory(prefix="medley-bench-") as root,
        deployment(args.postgres_url, Path(root)) as (
            gateways,
            app,
            ehr,
        ),
    ):
        work = prepare(gateways[0], app, args.bookings)
        started = datetime.now(UTC)
        results = asyncio.run(run(gateways, app, work, args.clients, args.seconds, args.idempotency_keys))
        written = ehr.count("individual_appointments", f"created_at:>={instant(started)}")
    timings = Timings(results.latencies_ms)
    print(f"command: {command}")
    keys = "each with its own Idempotency-Key" if args.idempotency_keys else "without Idempotency-Key"
    print(f"setup: {REPLICAS} gateway replicas, one PostgreSQL store, one emulator; {args.clients} clients; {keys}")
    print(f"answers: {dict(sorted(results.statuses.items()))} in {results.elapsed:.1f} s")
    print(f"booking latency: {timings.summary()}")
    print(f"throughput: {results.booked / results.elapsed:.1f} bookings/s (target: 50)")
    print(f"appointments written upstream: {written} (bookings answered 201: {results.booked})")
    if written != results.booked:
        raise SystemExit("the EHR holds a different number of appointments than were booked")


if __name__ == "__main__":
    main()
