"""Webhook latency, end to end, against a real ``medley serve`` (embedded SQLite, built-in sandbox):

* a booking through Medley until its ``appointment.created`` reaches a local receiver (target: p95 < 1 s);
* an appointment made straight in the emulator (as a front desk would) until its event reaches the receiver
  (target: within the sync interval + 1 s; median and worst of 20).

Run: ``python -m bench.webhook_latency [--bookings 40] [--direct 20]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from bench.harness import EMULATOR_AUTH, GATEWAY_HEADERS, Timings, medley_process

SYNC_INTERVAL_SECONDS = 10.0


class Arrivals:
    """When each appointment's first event arrived (monotonic seconds)."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.lock = threading.Lock()

    def wait(self, appointment_id: str, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if appointment_id in self.at:
                    return self.at[appointment_id]
            time.sleep(0.005)
        raise TimeoutError(f"no event for appointment {appointment_id}")


@contextmanager
def receiver() -> Iterator[tuple[str, Arrivals]]:
    arrivals = Arrivals()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            now = time.monotonic()
            event = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))))
            appointment_id = event.get("data", {}).get("appointment_id")
            if appointment_id and event.get("type") == "appointment.created":
                with arrivals.lock:
                    arrivals.at.setdefault(str(appointment_id), now)
            self.send_response(204)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", arrivals
    finally:
        server.shutdown()
        server.server_close()


def _slots(api: httpx.Client, unit: str) -> list[dict[str, Any]]:
    response = api.get(f"/emrs/cliniko/care-units/{unit}/timeslots")
    response.raise_for_status()
    return list(response.json())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=40)
    parser.add_argument("--direct", type=int, default=20)
    args = parser.parse_args()
    env = {"MEDLEY_SYNC_INTERVAL_SECONDS": str(SYNC_INTERVAL_SECONDS)}
    with medley_process("serve", env) as (base_url, _pid), receiver() as (url, arrivals):
        api = httpx.Client(base_url=base_url + "/api", headers=GATEWAY_HEADERS, timeout=30)
        emulator = httpx.Client(base_url=base_url + "/sandbox/cliniko/v1", auth=EMULATOR_AUTH, timeout=30)
        api.post("/webhooks", json={"url": url, "events": ["appointment.created"]}).raise_for_status()
        unit = str(api.get("/emrs/cliniko/care-units").json()[0]["id"])
        base = f"/emrs/cliniko/care-units/{unit}"
        person = {"first_name": "Bench", "last_name": uuid.uuid4().hex[:8], "birth_date": "1990-01-01"}
        patient = api.post(f"{base}/patients", json=person).json()
        through_medley: list[float] = []
        for slot in _slots(api, unit):
            if len(through_medley) == args.bookings:
                break
            sent = time.monotonic()
            booked = api.post(f"{base}/appointments", json={**slot, "patient_id": patient["id"]})
            if booked.status_code == 409:
                continue  # an overlapping slot of one already booked
            booked.raise_for_status()
            through_medley.append((arrivals.wait(str(booked.json()[0]["id"]), 30) - sent) * 1000)
        print(f"booking through Medley -> receiver: {Timings(through_medley).summary()}")

        direct: list[float] = []
        for slot in reversed(_slots(api, unit)):
            if len(direct) == args.direct:
                break
            made_at = time.monotonic()
            made = emulator.post(
                "/individual_appointments",
                json={
                    "starts_at": slot["start"],
                    "ends_at": slot["end"],
                    "patient_id": patient["id"],
                    "practitioner_id": slot["resource_id"],
                    "appointment_type_id": slot["healthcare_service_id"],
                    "business_id": unit,
                },
            )
            made.raise_for_status()
            direct.append(arrivals.wait(str(made.json()["id"]), SYNC_INTERVAL_SECONDS * 3) - made_at)
            time.sleep(0.37 * (len(direct) % 7))  # spread the writes over the sync's cycle
        print(
            f"appointment made in the emulator -> receiver (sync interval {SYNC_INTERVAL_SECONDS:.0f} s): "
            f"median {statistics.median(direct):.2f} s, worst {max(direct):.2f} s, n={len(direct)}"
        )


if __name__ == "__main__":
    main()
