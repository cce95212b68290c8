"""When the EHR misbehaves, the gateway answers with the contract's codes, retries only what is safe, and never
duplicates or loses a booking whose outcome it could not see.

A real gateway (upstream timeout 1 s, one retry) reaches the emulator through the fault relay, which fails
exactly one kind of call with the emulator's own fault injection (``X-Medley-Fault``); the EHR is then read
directly to see what really happened.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.integrity.clinic import Clinic
from tests.integrity.conftest import SHORT_FUSE_ENV, Gateway, SandboxGateway
from tests.integrity.deployment import GATEWAY_ENV, Emulator, live_app, running_gateway
from tests.integrity.relay import FaultRelay, running_relay

Json = Any

PATIENT_READ = r"^/v1/patients/\d+$"
CREATE_APPOINTMENT = r"^/v1/individual_appointments$"
ANY_CALL = r"^/v1/"


@dataclass(frozen=True)
class FaultyClinic:
    clinic: Clinic
    faults: FaultRelay
    ehr: Emulator
    patient_id: str


@pytest.fixture
def flaky(sandbox_gateway: SandboxGateway, faults: FaultRelay, emulator: Emulator) -> Iterator[FaultyClinic]:
    with sandbox_gateway.gateway.api(sandbox_gateway.live, timeout=30.0) as api:
        clinic = Clinic.first(api)
        yield FaultyClinic(clinic, faults, emulator, str(clinic.add_patient()["id"]))


def _read_patient(flaky: FaultyClinic) -> httpx.Response:
    return flaky.clinic.api.get(f"{flaky.clinic.path}/patients/{flaky.patient_id}")


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Json]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Json] = response.json()
    assert body["code"] == code, body
    return body


# ---- reads -------------------------------------------------------------------------------------------


def test_latency_within_the_timeout_only_slows_the_answer(flaky: FaultyClinic) -> None:
    flaky.faults.fail("GET", PATIENT_READ, "latency=400ms")
    before = flaky.faults.count("GET", PATIENT_READ)
    began = time.monotonic()
    response = _read_patient(flaky)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == flaky.patient_id
    assert time.monotonic() - began >= 0.4
    assert flaky.faults.count("GET", PATIENT_READ) == before + 1, "a slow answer is not a reason to ask again"


@pytest.mark.parametrize("fault", ["500", "503", "drop"])
def test_a_read_failing_once_is_retried_and_succeeds(flaky: FaultyClinic, fault: str) -> None:
    flaky.faults.fail("GET", PATIENT_READ, fault, times=1)
    before = flaky.faults.count("GET", PATIENT_READ)
    response = _read_patient(flaky)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == flaky.patient_id
    assert flaky.faults.count("GET", PATIENT_READ) == before + 2


@pytest.mark.parametrize("status", [500, 503])
def test_a_read_that_keeps_failing_is_an_emr_error_carrying_the_upstream_status(
    flaky: FaultyClinic, status: int
) -> None:
    flaky.faults.fail("GET", PATIENT_READ, str(status), times=None)
    before = flaky.faults.count("GET", PATIENT_READ)
    body = _problem(_read_patient(flaky), 502, "EMR_ERROR")
    assert body["errors"][0]["emr_error"]["status"] == status
    assert flaky.faults.count("GET", PATIENT_READ) == before + 2, "one try and one retry, no more"


def test_a_read_whose_connection_keeps_dropping_is_an_emr_error(flaky: FaultyClinic) -> None:
    flaky.faults.fail("GET", PATIENT_READ, "drop", times=None)
    _problem(_read_patient(flaky), 502, "EMR_ERROR")


def test_a_read_that_never_answers_is_a_timeout(flaky: FaultyClinic) -> None:
    flaky.faults.fail("GET", PATIENT_READ, "timeout=4s", times=None)
    began = time.monotonic()
    _problem(_read_patient(flaky), 504, "TIMEOUT")
    # Two attempts of at most 1 s each, plus a short backoff: the caller is never held for the hang.
    assert time.monotonic() - began < 3.5


# ---- a booking whose outcome the gateway could not see ---------------------------------------------------


def _key() -> str:
    return f"integrity-{uuid.uuid4()}"


def _book(flaky: FaultyClinic, slot: dict[str, Json], key: str) -> httpx.Response:
    return flaky.clinic.book(slot, flaky.patient_id, key=key, comment="Booked through a flaky network")


def _await_upstream(ehr: Emulator, slot: dict[str, Json], seconds: float = 10.0) -> list[dict[str, Json]]:
    deadline = time.monotonic() + seconds
    while not (found := ehr.appointments_in(slot)):
        assert time.monotonic() < deadline, "the delayed write never reached the EHR"
        time.sleep(0.2)
    return found


def _assert_booked_once(flaky: FaultyClinic, slot: dict[str, Json], response: httpx.Response) -> None:
    assert response.status_code == 201, response.text
    (appointment,) = response.json()
    everything = flaky.ehr.appointments_in(slot, archived_too=True)
    assert [a["id"] for a in everything] == [appointment["id"]], "exactly one appointment, never undone"
    assert everything[0]["archived_at"] is None


def test_a_booking_confirmed_late_is_found_not_repeated(flaky: FaultyClinic) -> None:
    """The EHR writes after 1.5 s, the gateway gave up at 1 s: it looks before answering, and finds it."""
    slot = flaky.clinic.any_free_slot()
    flaky.faults.fail("POST", CREATE_APPOINTMENT, "latency=1500ms")
    key = _key()
    first = _book(flaky, slot, key)
    _assert_booked_once(flaky, slot, first)
    assert flaky.faults.count("POST", CREATE_APPOINTMENT) >= 1
    creates = flaky.faults.count("POST", CREATE_APPOINTMENT)

    retry = _book(flaky, slot, key)
    assert retry.status_code == 201 and retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    _assert_booked_once(flaky, slot, retry)
    assert flaky.faults.count("POST", CREATE_APPOINTMENT) == creates


def test_a_booking_applied_after_the_gateway_gave_up_is_not_booked_twice_on_retry(flaky: FaultyClinic) -> None:
    """The EHR applies the write 5 s later, after the gateway stopped looking: the caller hears that the
    outcome is unknown, and the retry with the same key returns that booking instead of refusing or repeating."""
    slot = flaky.clinic.any_free_slot()
    flaky.faults.fail("POST", CREATE_APPOINTMENT, "latency=5s")
    key = _key()
    first = _book(flaky, slot, key)
    body = _problem(first, 504, "TIMEOUT")
    assert "may or may not" in body["detail"]
    (landed,) = _await_upstream(flaky.ehr, slot)

    retry = _book(flaky, slot, key)
    _assert_booked_once(flaky, slot, retry)
    assert retry.json()[0]["id"] == landed["id"]
    assert flaky.faults.count("POST", CREATE_APPOINTMENT) >= 1
    replay = _book(flaky, slot, key)
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == retry.json()


def test_a_booking_whose_connection_dropped_before_the_write_is_made_once_by_the_retry(
    flaky: FaultyClinic,
) -> None:
    slot = flaky.clinic.any_free_slot()
    flaky.faults.fail("POST", CREATE_APPOINTMENT, "drop")
    key = _key()
    first = _book(flaky, slot, key)
    _problem(first, 502, "EMR_ERROR")
    assert flaky.ehr.appointments_in(slot, archived_too=True) == [], "the emulator dropped it before writing"

    # The gateway cannot tell a drop before the write from one after it: the slot stays held until its short
    # horizon has passed and the EHR was checked once more; until then the retry hears "pending".
    deadline = time.monotonic() + 10
    while (retry := _book(flaky, slot, key)).status_code == 504 and time.monotonic() < deadline:
        assert retry.json()["errors"][0]["error_code"] == "WRITE_OUTCOME_PENDING", retry.text
        assert int(retry.headers["Retry-After"]) >= 1
        time.sleep(0.5)
    _assert_booked_once(flaky, slot, retry)


def test_a_booking_whose_answer_was_cut_after_the_write_is_found(flaky: FaultyClinic) -> None:
    slot = flaky.clinic.any_free_slot()
    flaky.faults.cut_after_reply("POST", CREATE_APPOINTMENT)
    key = _key()
    first = _book(flaky, slot, key)
    _assert_booked_once(flaky, slot, first)
    replay = _book(flaky, slot, key)
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    _assert_booked_once(flaky, slot, replay)


# ---- 429 from the EHR ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BusyClinic:
    api: httpx.Client
    relay: FaultRelay


@pytest.fixture
def rate_limited(tmp_path_factory: pytest.TempPathFactory, emulator: Emulator) -> Iterator[BusyClinic]:
    """A gateway of its own (a 429 holds the whole key's budget in that process) whose every call to the EHR
    gets the emulator's 429; the emulator's own limit is off, so its reset is a minute away. Its relay is its
    own too: other gateways reaching the emulator (their background sync included) must not see those 429s."""
    data_dir = tmp_path_factory.mktemp("gateway-429")
    env = {**SHORT_FUSE_ENV, "MEDLEY_SANDBOX": "false"}
    with running_relay(emulator.root) as relay:
        app = live_app({**GATEWAY_ENV, **env}, data_dir, "Busy clinic", relay.url + "/v1")
        relay.fail("GET", ANY_CALL, "429", times=None)
        with running_gateway(data_dir, env) as url, Gateway(url, data_dir).api(app) as api:
            yield BusyClinic(api, relay)


def test_a_429_is_rate_limited_with_its_reset_and_the_gateway_holds_off_until_then(
    rate_limited: BusyClinic,
) -> None:
    faults = rate_limited.relay
    began = time.monotonic()
    first = rate_limited.api.get("/care-units")
    _problem(first, 429, "RATE_LIMITED")
    assert time.monotonic() - began < 5, "a reset beyond the wait bound is reported at once, not waited for"
    assert 50 <= int(first.headers["Retry-After"]) <= 61
    sent = faults.count("GET", ANY_CALL)

    second = rate_limited.api.get("/care-units")
    _problem(second, 429, "RATE_LIMITED")
    assert faults.count("GET", ANY_CALL) == sent, "until the reset, nothing more is sent to the EHR"
