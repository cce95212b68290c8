"""Acuity emulator: ``/availability/times`` for one calendar, appointment type and day.

Target: median under 10 ms on the embedded SQLite store.
Run: ``python -m bench.acuity_availability_times [--requests 500]``
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta

import httpx

from bench.harness import medley_process, time_calls
from medley.config import DEFAULT_SANDBOX_ACUITY_API_KEY, DEFAULT_SANDBOX_ACUITY_USER_ID

# Acuity's own limit (10 a second per address) would pace the benchmark instead of measuring it.
_UNLIMITED = {"MEDLEY_SANDBOX_ACUITY_RATE_LIMIT_PER_SECOND": "0"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    auth = (DEFAULT_SANDBOX_ACUITY_USER_ID, DEFAULT_SANDBOX_ACUITY_API_KEY)
    with (
        medley_process("sandbox acuity", _UNLIMITED) as (url, _pid),
        httpx.Client(base_url=url + "/api/v1", auth=auth) as client,
    ):
        calendar = client.get("/calendars").json()[0]["id"]
        types = [t for t in client.get("/appointment-types").json() if t.get("type") != "class"]
        offered = [t for t in types if calendar in t.get("calendarIDs", []) and t.get("active", True)]
        kind = min(offered or types, key=lambda t: t["duration"])["id"]  # the shortest type: most times
        # A weekday a week ahead, whatever today is: open hours, inside the booking horizon.
        day = date.today() + timedelta(days=7)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        params = {"date": day.isoformat(), "appointmentTypeID": str(kind), "calendarID": str(calendar)}
        times = len(client.get("/availability/times", params=params).json())

        def call() -> None:
            client.get("/availability/times", params=params).raise_for_status()

        timings = time_calls(call, args.requests)
    print(f"/availability/times, one calendar, type and day ({times} times): {timings.summary()}")


if __name__ == "__main__":
    main()
