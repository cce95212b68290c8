"""Acuity timeslots: ``GET /api/emrs/acuity/care-units/{id}/timeslots`` for 14 days, no filter, on the seeded
Acuity practice, with every emulator call delayed by ``MEDLEY_SANDBOX_ACUITY_LATENCY_MS=100`` and Acuity's own
limit (10 requests per second, 20 at once) on.

* **cold**: the first read of a fresh server, before the mirror holds anything: it goes live (``/availability/
  dates`` per calendar x type and month, ``/availability/times`` per day with time, ``/availability/classes``
  per class calendar and month), fanned out within the read lane of the budget, and warms the mirror with what
  it read. Its upstream calls are counted from the emulator's side (``medley_upstream_calls_total``).
* **warm**: the same read once the mirror answers (``Medley-Data-Source: mirror``): zero upstream calls.

Targets (issue 14): cold under 1.5 s; warm as fast as Cliniko's mirror path.
Run: ``python -m bench.acuity_timeslots [--runs 50] [--latency-ms 100]``
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx

from bench.harness import GATEWAY_HEADERS, medley_process, time_calls

_ACUITY_CALLS = re.compile(
    r'^medley_upstream_calls_total\{ehr="acuity",lane="(\w+)",[^}]*\} ([0-9.e+]+)$', re.MULTILINE
)


def _acuity_calls(client: httpx.Client) -> Counter[str]:
    """Acuity calls so far by budget lane (read: client reads gone live; sync: the mirror's)."""
    calls: Counter[str] = Counter()
    for lane, value in _ACUITY_CALLS.findall(client.get("/metrics").text):
        calls[lane] += int(float(value))
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50, help="warm reads to time")
    parser.add_argument("--latency-ms", type=int, default=100)
    args = parser.parse_args()
    env = {
        "MEDLEY_SANDBOX_ACUITY_LATENCY_MS": str(args.latency_ms),
        "MEDLEY_SANDBOX_ACUITY_RATE_LIMIT_PER_SECOND": "10",
        "MEDLEY_SANDBOX_ACUITY_MAX_CONCURRENT": "20",
    }
    with (
        medley_process("serve", env) as (url, _pid),
        httpx.Client(base_url=url, headers=GATEWAY_HEADERS, timeout=120) as client,
    ):
        unit = client.get("/api/emrs/acuity/care-units").json()[0]["id"]
        path = f"/api/emrs/acuity/care-units/{unit}/timeslots"
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
        params = {"start": start.isoformat(), "end": (start + timedelta(days=14)).isoformat()}
        calls_before = _acuity_calls(client)
        began = time.perf_counter()
        cold = client.get(path, params=params)
        cold_seconds = time.perf_counter() - began
        cold.raise_for_status()
        cold_calls = _acuity_calls(client) - calls_before
        print(
            f"cold: {cold_seconds:.2f} s, {len(cold.json())} slots, source {cold.headers['medley-data-source']}; "
            f"Acuity calls meanwhile by lane {dict(cold_calls)} ({args.latency_ms} ms per call)"
        )
        deadline = time.monotonic() + 120
        while client.get(path, params=params).headers["medley-data-source"] != "mirror":
            if time.monotonic() > deadline:
                raise SystemExit("the mirror did not answer within two minutes")
            time.sleep(0.5)
        calls_before = _acuity_calls(client)

        def read() -> None:
            response = client.get(path, params=params)
            response.raise_for_status()
            assert response.headers["medley-data-source"] == "mirror", response.headers

        timings = time_calls(read, args.runs)
        meanwhile = dict(_acuity_calls(client) - calls_before)
        print(f"warm (mirror): {timings.summary()}; Acuity calls meanwhile by lane {meanwhile} (the sync's only)")


if __name__ == "__main__":
    main()
