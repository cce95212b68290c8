"""Read storm: many clients reading timeslots while one books, at Cliniko's real rate limit.

The sandbox runs at 200 requests/min with 100 ms per upstream call. 50 concurrent clients ask unfiltered
14-day and 8-week timeslots over all care units for ``--seconds``, while one client books a distinct slot
every 2 s. Targets (with the mirror): zero 429s, timeslot p95 under 100 ms, every booking 201 with p95
under 1 s, upstream use under 150 requests/min. ``--no-mirror`` runs the same storm with the sync off,
i.e. every read fanned out live as before the mirror existed. ``--ehr-process`` runs the emulator in its own
process, reached over HTTP as a deployment reaches Cliniko (by default it is embedded, as in ``make run``).
The readers are ``wrk`` (``apt-get install wrk``) and accept gzip, as browsers and HTTP libraries do
(``--no-gzip`` to refuse it).
Run: ``python -m bench.read_storm [--seconds 60] [--no-mirror] [--no-gzip] [--ehr-process]``
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.harness import GATEWAY_HEADERS, Timings, medley_process
from bench.read_path import wait_until_settled
from medley.sandbox.cliniko.seed_data import cliniko_id
from tests.integrity.deployment import EMULATOR_ENV, MASTER_KEY, live_app
from tests.support.server import running_medley

CARE_UNITS = (str(cliniko_id(1001)), str(cliniko_id(1002)), str(cliniko_id(1003)))
# Cliniko's calls only: the sandbox's Acuity connection syncs too, on its own account's budget.
_UPSTREAM = re.compile(r'^medley_upstream_calls_total\{ehr="cliniko"[^}]*\} ([0-9.e+]+)$', re.MULTILINE)


def upstream_calls(client: httpx.Client) -> float:
    return sum(float(value) for value in _UPSTREAM.findall(client.get("/metrics").text))


def wait_for_mirror(
    client: httpx.Client, timeout: float = 120.0, headers: dict[str, str] = GATEWAY_HEADERS
) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        response = client.get(f"/api/emrs/cliniko/care-units/{cliniko_id(1001)}/timeslots", headers=headers)
        if response.headers.get("medley-data-source") == "mirror":
            return time.monotonic() - began
        time.sleep(0.5)
    raise TimeoutError("the mirror did not become live")


# The readers: wrk (a C load generator) with 50 connections in a closed loop, each request an unfiltered 14-day or
# 8-week window of a random care unit starting now. A Python client reading 300 kB answers would spend more of
# the machine's 2 cores than the gateway it measures.
_READERS_LUA = """
local units = {%(units)s}
function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end
function request()
  local days = (math.random(2) == 1) and 14 or 56
  local now = os.time()
  local path = "/api/emrs/cliniko/care-units/" .. units[math.random(#units)] .. "/timeslots?start="
    .. os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ", now) .. "&end=" .. os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ", now + days * 86400)
  return wrk.format("GET", path)
end
function done(summary, latency, requests)
  io.write(string.format("READS n=%%d errors=%%d p50=%%.1f p95=%%.1f p99=%%.1f max=%%.1f\\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
"""
_READS = re.compile(r"READS n=(\d+) errors=(\d+) p50=([0-9.]+) p95=([0-9.]+) p99=([0-9.]+) max=([0-9.]+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


def readers(url: str, seconds: float, clients: int, gzip: bool, headers: dict[str, str]) -> subprocess.Popen[str]:
    script = Path(tempfile.mkdtemp(prefix="medley-storm-")) / "readers.lua"
    script.write_text(_READERS_LUA % {"units": ", ".join(f'"{unit}"' for unit in CARE_UNITS)})
    command = ["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "--timeout", "30s", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if gzip:
        command += ["-H", "Accept-Encoding: gzip"]
    return subprocess.Popen([*command, url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def booker(
    client: httpx.Client, slots: list[dict[str, str]], patient: str, until: float, statuses: Counter[int]
) -> list[float]:
    """One booking of a distinct slot every 2 s; returns each booking's time in ms."""
    timings: list[float] = []
    for slot in slots:
        if time.monotonic() >= until:
            break
        began = time.perf_counter()
        response = client.post(
            f"/api/emrs/cliniko/care-units/{cliniko_id(1001)}/appointments",
            json={**slot, "patient_id": patient},
            headers={**client.headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        timings.append((time.perf_counter() - began) * 1000)
        statuses[response.status_code] += 1
        time.sleep(max(0.0, 2.0 - (time.perf_counter() - began)))
    return timings


def storm(
    client: httpx.Client, url: str, seconds: float, clients: int, slots: list[dict[str, str]], patient: str, gzip: bool
) -> None:
    wrk = readers(url, seconds, clients, gzip, dict(client.headers))
    book_statuses: Counter[int] = Counter()
    book_ms = booker(client, slots, patient, time.monotonic() + seconds, book_statuses)
    output, _ = wrk.communicate(timeout=seconds + 60)
    found = _READS.search(output)
    if found is None:
        raise RuntimeError(output)
    n, errors, p50, p95, p99, longest = found.groups()
    non_2xx = _NON_2XX.search(output)
    print(
        f"timeslot reads: {n} ({int(n) / seconds:.0f}/s), non-2xx {non_2xx.group(1) if non_2xx else 0}, "
        f"socket errors {errors}; median {p50} ms, p95 {p95} ms, p99 {p99} ms, max {longest} ms"
    )
    print(f"bookings: statuses {dict(book_statuses)}, {Timings(book_ms).summary() if book_ms else 'none'}")


_EHR = {
    "MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "200",
    "MEDLEY_SANDBOX_LATENCY_MS": "100",
    "MEDLEY_LOG_LEVEL": "warning",
}


@contextmanager
def gateway(ehr_process: bool, sync: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    """A ``medley serve`` and the headers of an application connected to the sandbox practice: the embedded
    sandbox (``make run``), or with ``ehr_process`` a gateway on its own SQLite store with a live connection
    to an emulator process, as a deployment reaches Cliniko."""
    if not ehr_process:
        with medley_process("serve", {**_EHR, **sync}) as (url, _pid):
            yield url, GATEWAY_HEADERS
        return
    with tempfile.TemporaryDirectory(prefix="medley-storm-") as tmp, ExitStack() as stack:
        ehr_dir, gateway_dir = Path(tmp) / "ehr", Path(tmp) / "gateway"
        ehr_dir.mkdir()
        gateway_dir.mkdir()
        ehr_url = stack.enter_context(running_medley("sandbox", {**EMULATOR_ENV, **_EHR}, ehr_dir))
        env = {"MEDLEY_SANDBOX": "false", "MEDLEY_MASTER_KEY": MASTER_KEY, "MEDLEY_LOG_LEVEL": "warning", **sync}
        app = live_app(env, gateway_dir, "Storm clinic", ehr_url + "/v1")
        yield stack.enter_context(running_medley("serve", env, gateway_dir)), app.headers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--no-mirror", action="store_true", help="the sync off: every read goes live")
    parser.add_argument("--no-gzip", action="store_true", help="readers do not accept gzip-compressed answers")
    parser.add_argument(
        "--ehr-process",
        action="store_true",
        help="the Cliniko emulator in its own process, reached over HTTP as a real EHR is (else embedded)",
    )
    args = parser.parse_args()
    sync = {"MEDLEY_SYNC_ENABLED": "false" if args.no_mirror else "true"}
    with gateway(args.ehr_process, sync) as (url, headers), httpx.Client(
        base_url=url, headers=headers, timeout=120
    ) as client:
        if not args.no_mirror:
            print(f"mirror live after {wait_for_mirror(client, headers=headers):.1f} s")
            # Steady state: the sandbox's Acuity connection reads weeks of availability after start (its cold
            # start is measured apart: `bench.mirror_freshness`, the first line above).
            print(f"background sync settled after {wait_until_settled(url):.0f} s more")
        api = f"/api/emrs/cliniko/care-units/{cliniko_id(1001)}"
        patient = client.post(
            api + "/patients",
            json={"first_name": "Storm", "last_name": f"Booker-{uuid.uuid4().hex[:6]}", "birth_date": "1970-01-01"},
        ).json()["id"]
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=15)
        slots = client.get(
            api + "/timeslots",
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
        storm(client, url, args.seconds, args.clients, distinct, str(patient), gzip=not args.no_gzip)
        minutes = (time.monotonic() - began) / 60
        print(f"upstream requests: {(upstream_calls(client) - before) / minutes:.0f} per minute")


if __name__ == "__main__":
    main()
