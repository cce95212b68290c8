"""Read storm: many clients reading timeslots while one books, at Cliniko's real rate limit.

The sandbox runs at 200 requests/min with 100 ms per upstream call. 50 concurrent clients ask unfiltered
14-day and 8-week timeslots over all care units for ``--seconds``, while one client books a distinct slot
every 2 s. Targets (with the mirror): zero 429s, timeslot p95 under 100 ms, every booking 201 with p95
under 1 s, upstream use under 150 requests/min. ``--no-mirror`` runs the same storm with the sync off,
i.e. every read fanned out live as before the mirror existed.
Run: ``python -m bench.read_storm [--seconds 60] [--no-mirror]``
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx

from bench.harness import GATEWAY_HEADERS, Timings, medley_process
from medley.sandbox.cliniko.seed_data import cliniko_id

CARE_UNITS = (str(cliniko_id(1001)), str(cliniko_id(1002)), str(cliniko_id(1003)))
_UPSTREAM = re.compile(r"^medley_upstream_calls_total\{[^}]*\} ([0-9.e+]+)$", re.MULTILINE)


def upstream_calls(client: httpx.Client) -> float:
    return sum(float(value) for value in _UPSTREAM.findall(client.get("/metrics").text))


def wait_for_mirror(client: httpx.Client, timeout: float = 120.0) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        response = client.get(f"/api/emrs/cliniko/care-units/{cliniko_id(1001)}/timeslots", headers=GATEWAY_HEADERS)
        if response.headers.get("medley-data-source") == "mirror":
            return time.monotonic() - began
        time.sleep(0.5)
    raise TimeoutError("the mirror did not become live")


async def reader(client: httpx.AsyncClient, until: float, timings: list[float], statuses: Counter[int]) -> None:
    """Status 0 counts transport errors."""
    rng = random.Random()
    while time.monotonic() < until:
        unit = rng.choice(CARE_UNITS)
        days = rng.choice((14, 56))
        start = datetime.now(UTC).replace(microsecond=0)
        params = {"start": start.isoformat(), "end": (start + timedelta(days=days)).isoformat()}
        began = time.perf_counter()
        try:
            response = await client.get(f"/api/emrs/cliniko/care-units/{unit}/timeslots", params=params)
        except httpx.TransportError:
            statuses[0] += 1  # e.g. a keep-alive connection the server closed as it was reused
            continue
        timings.append((time.perf_counter() - began) * 1000)
        statuses[response.status_code] += 1


async def booker(
    client: httpx.AsyncClient,
    slots: list[dict[str, str]],
    patient: str,
    until: float,
    timings: list[float],
    statuses: Counter[int],
) -> None:
    for slot in slots:
        if time.monotonic() >= until:
            return
        began = time.perf_counter()
        response = await client.post(
            f"/api/emrs/cliniko/care-units/{cliniko_id(1001)}/appointments",
            json={**slot, "patient_id": patient},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        timings.append((time.perf_counter() - began) * 1000)
        statuses[response.status_code] += 1
        await asyncio.sleep(max(0.0, 2.0 - (time.perf_counter() - began)))


async def storm(url: str, seconds: float, clients: int, slots: list[dict[str, str]], patient: str) -> None:
    read_ms: list[float] = []
    book_ms: list[float] = []
    read_statuses: Counter[int] = Counter()
    book_statuses: Counter[int] = Counter()
    limits = httpx.Limits(max_connections=clients + 2, max_keepalive_connections=clients + 2)
    async with httpx.AsyncClient(base_url=url, headers=GATEWAY_HEADERS, timeout=120, limits=limits) as client:
        until = time.monotonic() + seconds
        await asyncio.gather(
            booker(client, slots, patient, until, book_ms, book_statuses),
            *(reader(client, until, read_ms, read_statuses) for _ in range(clients)),
        )
    print(
        f"timeslot reads: {sum(read_statuses.values())}, statuses {dict(read_statuses)}, {Timings(read_ms).summary()}"
    )
    print(f"bookings: statuses {dict(book_statuses)}, {Timings(book_ms).summary() if book_ms else 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--no-mirror", action="store_true", help="the sync off: every read goes live")
    args = parser.parse_args()
    env = {
        "MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "200",
        "MEDLEY_SANDBOX_LATENCY_MS": "100",
        "MEDLEY_SYNC_ENABLED": "false" if args.no_mirror else "true",
    }
    with medley_process("serve", env) as (url, _pid), httpx.Client(base_url=url, timeout=120) as client:
        if not args.no_mirror:
            print(f"mirror live after {wait_for_mirror(client):.1f} s")
        api = f"/api/emrs/cliniko/care-units/{cliniko_id(1001)}"
        patient = client.post(
            api + "/patients",
            headers=GATEWAY_HEADERS,
            json={"first_name": "Storm", "last_name": f"Booker-{uuid.uuid4().hex[:6]}", "birth_date": "1970-01-01"},
        ).json()["id"]
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=15)
        slots = client.get(
            api + "/timeslots",
            headers=GATEWAY_HEADERS,
            params={
                "start": start.isoformat(),
                "end": (start + timedelta(days=14)).isoformat(),
                "resource_id": str(cliniko_id(2001)),
                "healthcare_service_id": str(cliniko_id(3002)),
            },
        ).json()
        distinct = [s for i, s in enumerate(slots) if i % 2 == 0][: int(args.seconds / 2) + 1]
        time.sleep(60 if args.no_mirror else 0)  # the set-up's own upstream calls leave the budget window
        before = upstream_calls(client)
        began = time.monotonic()
        asyncio.run(storm(url, args.seconds, args.clients, distinct, str(patient)))
        minutes = (time.monotonic() - began) / 60
        print(f"upstream requests: {(upstream_calls(client) - before) / minutes:.0f} per minute")


if __name__ == "__main__":
    main()
