"""Timeslot fan-out: ``GET …/timeslots`` for 14 days, no filter, on the biggest care unit, with every
upstream call delayed by ``MEDLEY_SANDBOX_LATENCY_MS=100``. Target: under 1.5 s (the fan-out runs in
parallel, never one call after another).
Run: ``python -m bench.timeslots_fanout [--runs 5]``
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta

import httpx

from bench.harness import GATEWAY_HEADERS, medley_process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency-ms", type=int, default=100)
    args = parser.parse_args()
    # The availability cache is off: every run pays the whole fan-out upstream.
    env = {"MEDLEY_SANDBOX_LATENCY_MS": str(args.latency_ms), "MEDLEY_TIMESLOT_CACHE_SECONDS": "0"}
    with (
        medley_process("serve", env) as (url, _pid),
        httpx.Client(base_url=url + "/api/emrs/cliniko", headers=GATEWAY_HEADERS, timeout=60) as client,
    ):
        units = client.get("/care-units").json()
        sizes = {u["id"]: len(client.get(f"/care-units/{u['id']}/resources").json()) for u in units}
        unit = max(sizes, key=lambda k: sizes[k])
        services = client.get(f"/care-units/{unit}/healthcare-services").json()
        pairs = sum(len(s["resource_ids"]) for s in services)
        timings = []
        for run in range(args.runs):
            start = datetime.now(UTC) + timedelta(days=1, minutes=run)
            params = {"start": start.isoformat(), "end": (start + timedelta(days=14)).isoformat()}
            began = time.perf_counter()
            response = client.get(f"/care-units/{unit}/timeslots", params=params)
            timings.append(time.perf_counter() - began)
            response.raise_for_status()
            count = len(response.json())
    print(
        f"care unit {unit}: {sizes[unit]} resources, {pairs} resource x service pairs, 14 days "
        f"({args.latency_ms} ms per upstream call): {count} slots"
    )
    print("wall time per call: " + ", ".join(f"{t:.2f} s" for t in timings) + f" (best {min(timings):.2f} s)")


if __name__ == "__main__":
    main()
