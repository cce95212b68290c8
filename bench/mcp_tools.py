"""MCP tool latency, as a voice agent sees it: ``find_available_times`` and ``book_appointment`` through ``/mcp``.

A real ``medley serve`` (sandbox), the scheduling mirror warm, the MCP SDK's own client over HTTP (one connection,
calls one after another). Targets (docs/benchmarks.md): median ``find_available_times`` under 150 ms, median
``book_appointment`` under 500 ms; both far under the voice platforms' tool timeouts (20 s on Vapi).
Run: ``python -m bench.mcp_tools [--finds 200] [--books 30]``
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from bench.harness import GATEWAY_HEADERS, Timings, medley_process
from bench.read_storm import wait_for_mirror
from tests.support.agent_tools import slot_booking


async def _tool(client: Client, name: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(name, arguments)
    if result.is_error or result.structured_content is None:
        raise RuntimeError(f"{name} failed: {result.content}")
    return dict(result.structured_content)


async def _timed(client: Client, name: str, **arguments: Any) -> tuple[float, dict[str, Any]]:
    began = time.perf_counter()
    answer = await _tool(client, name, **arguments)
    return (time.perf_counter() - began) * 1000, answer


async def _free_times(client: Client, clinic: str, wanted: int) -> list[dict[str, Any]]:
    """Free times to book that do not overlap one another (a booked time takes its neighbours' starts too)."""
    found: list[dict[str, Any]] = []
    day = 1
    while len(found) < wanted and day < 60:
        start = (date.today() + timedelta(days=day)).isoformat()
        answer = await _tool(client, "find_available_times", clinic=clinic, from_date=start, to_date=start, limit=10)
        for slot in answer["times"]:
            start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
            if not any(
                datetime.fromisoformat(f["start"]) < end and start < datetime.fromisoformat(f["end"]) for f in found
            ):
                found.append(slot)
        day += 1
    return found[:wanted]


async def measure(url: str, finds: int, books: int) -> tuple[Timings, Timings]:
    async with (
        httpx2.AsyncClient(headers=GATEWAY_HEADERS, timeout=60.0) as http,
        Client(streamable_http_client(url + "/mcp", http_client=http)) as client,
    ):
        clinics = (await _tool(client, "list_clinics"))["clinics"]
        clinic = next(c["clinic"] for c in clinics if c["clinic"].startswith("cliniko/"))
        for _ in range(10):  # warm-up: connections, reference data, rendered mirror answers
            await _tool(client, "find_available_times", clinic=clinic)
        find_ms = [(await _timed(client, "find_available_times", clinic=clinic))[0] for _ in range(finds)]
        patient = await _tool(
            client,
            "find_or_create_patient",
            clinic=clinic,
            first_name="Bench",
            last_name=f"Mcp{uuid.uuid4().hex[:6]}",
            date_of_birth="1980-01-01",
        )
        book_ms = []
        for slot in await _free_times(client, clinic, books):
            elapsed, answer = await _timed(
                client,
                "book_appointment",
                **slot_booking(clinic, slot),
                patient_id=patient["patient_id"],
                idempotency_key=uuid.uuid4().hex,
            )
            if answer["booked"]:
                book_ms.append(elapsed)
    return Timings(find_ms), Timings(book_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--finds", type=int, default=200, help="find_available_times calls to time")
    parser.add_argument("--books", type=int, default=30, help="book_appointment calls to time")
    args = parser.parse_args()
    with medley_process("serve") as (url, _pid):
        with httpx.Client(base_url=url) as rest:
            print(f"mirror live after {wait_for_mirror(rest):.1f} s")
        find, book = asyncio.run(measure(url, args.finds, args.books))
    print(f"find_available_times: {find.summary()}  (target: median < 150 ms)")
    print(f"book_appointment:     {book.summary()}  (target: median < 500 ms)")


if __name__ == "__main__":
    main()
