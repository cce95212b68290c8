"""The mirror's cold start and freshness, on the seeded sandbox at Cliniko's real limit (200 requests/min).

* Cold start: from a fresh server (empty mirror) until timeslots are answered from the mirror. Target: < 60 s.
* Freshness: an appointment made straight in the emulator (as a front desk would in Cliniko), then the time
  until Medley's timeslots stop offering that slot; ``--trials`` times. Target: within the sync interval + 1 s.
Run: ``python -m bench.mirror_freshness [--trials 20] [--interval 10]``
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import httpx

from bench.harness import EMULATOR_AUTH, GATEWAY_HEADERS, medley_process
from bench.read_storm import wait_for_mirror
from medley.sandbox.cliniko.seed_data import cliniko_id

API = f"/api/emrs/cliniko/care-units/{cliniko_id(1001)}"


def free_slots(client: httpx.Client) -> list[dict[str, str]]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    response = client.get(
        API + "/timeslots",
        headers=GATEWAY_HEADERS,
        params={
            "start": start.isoformat(),
            "end": (start + timedelta(days=28)).isoformat(),
            "healthcare_service_id": str(cliniko_id(3002)),
        },
    )
    response.raise_for_status()
    return list(response.json())


def offered(client: httpx.Client, slot: dict[str, str]) -> bool:
    params = {
        "start": slot["start"],
        "end": slot["end"],
        "resource_id": slot["resource_id"],
        "healthcare_service_id": str(cliniko_id(3002)),
    }
    return any(
        s["start"] == slot["start"]
        for s in client.get(API + "/timeslots", headers=GATEWAY_HEADERS, params=params).json()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--interval", type=float, default=10.0)
    args = parser.parse_args()
    env = {"MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "200", "MEDLEY_SYNC_INTERVAL_SECONDS": str(args.interval)}
    with medley_process("serve", env) as (url, _pid), httpx.Client(base_url=url, timeout=60) as client:
        print(f"cold start: the mirror answered after {wait_for_mirror(client):.1f} s")
        emulator = httpx.Client(base_url=url + "/sandbox/cliniko/v1", auth=EMULATOR_AUTH, timeout=60)
        patient = emulator.get("/patients", params={"per_page": "1"}).json()["patients"][0]["id"]
        slots = free_slots(client)[:: max(1, len(free_slots(client)) // (args.trials + 1))]
        delays = []
        rng = random.Random(7)
        for slot in slots[: args.trials]:
            # Changes come at any moment of the sync's cycle, not just after one (a trial starts when the last
            # one was seen, i.e. right after a sync): wait a random part of an interval first.
            time.sleep(rng.uniform(0, args.interval))
            made = emulator.post(
                "/individual_appointments",
                json={
                    "starts_at": slot["start"],
                    "ends_at": slot["end"],
                    "patient_id": patient,
                    "practitioner_id": slot["resource_id"],
                    "appointment_type_id": str(cliniko_id(3002)),
                    "business_id": str(cliniko_id(1001)),
                },
            )
            made.raise_for_status()
            began = time.monotonic()
            while offered(client, slot):
                time.sleep(0.05)
            delays.append(time.monotonic() - began)
        print(
            f"freshness over {len(delays)} trials (interval {args.interval:.0f} s): "
            f"median {statistics.median(delays):.2f} s, worst {max(delays):.2f} s"
        )


if __name__ == "__main__":
    main()
