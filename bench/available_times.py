"""Emulator: ``available_times`` for one practitioner and appointment type over 7 days.

Target: median under 20 ms on the embedded SQLite store, and flat memory over 10,000 requests.
Run: ``python -m bench.available_times [--requests 10000]``
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta

import httpx

from bench.harness import EMULATOR_AUTH, EMULATOR_HEADERS, medley_process, rss_mib, time_calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000)
    args = parser.parse_args()
    with (
        medley_process("sandbox") as (url, pid),
        httpx.Client(base_url=url + "/v1", auth=EMULATOR_AUTH, headers=EMULATOR_HEADERS) as client,
    ):
        business = client.get("/businesses").json()["businesses"][0]["id"]
        practitioner = client.get(f"/businesses/{business}/practitioners").json()["practitioners"][0]["id"]
        types = client.get(f"/practitioners/{practitioner}/appointment_types").json()["appointment_types"]
        type_id = min(types, key=lambda t: t["duration_in_minutes"])["id"]  # the shortest type: most slots
        start = date.today() + timedelta(days=1)
        path = f"/businesses/{business}/practitioners/{practitioner}/appointment_types/{type_id}/available_times"
        params = {"from": start.isoformat(), "to": (start + timedelta(days=6)).isoformat(), "per_page": "100"}
        slots = client.get(path, params=params).json()["total_entries"]

        def call() -> None:
            response = client.get(path, params=params)
            response.raise_for_status()

        timings = time_calls(call, 500)
        rss_before = rss_mib(pid)
        time_calls(call, args.requests, warmup=0)
        rss_after = rss_mib(pid)
    print(f"available_times, 7 days, {slots} slots: {timings.summary()}")
    print(f"memory over {args.requests} requests: RSS {rss_before:.1f} MiB -> {rss_after:.1f} MiB")


if __name__ == "__main__":
    main()
