"""National ids stay out of the audit trail: a patient named by ``nhs_number:…`` or ``se_personal_number:…``
is recorded as a keyed hash, even when the request is refused, while EHR ids are recorded as they are."""

from __future__ import annotations

import asyncio
import time

import httpx

from medley.config import DEFAULT_SANDBOX_CLIENT_ID
from medley.store.applications import get_application_by_client_id
from medley.store.audit import AuditEvent, list_events
from medley.store.database import Store
from tests.security.conftest import Gateway

NHS_NUMBER = "9434765919"
PERSONAL_NUMBER = "19121212-1212"
PATIENT_PATHS = ("", "/medical-notes", "/documents")


async def _sandbox_events(gateway: Gateway) -> list[AuditEvent]:
    store = Store.from_url(gateway.store_url)
    try:
        application = await get_application_by_client_id(store, DEFAULT_SANDBOX_CLIENT_ID)
        assert application is not None
        return await list_events(store, application.id, limit=1000)
    finally:
        await store.close()


def _events_with(gateway: Gateway, request_ids: set[str]) -> list[AuditEvent]:
    # Events are written in batches off the request path (every 0.5 s).
    deadline = time.monotonic() + 15
    while True:
        events = [e for e in asyncio.run(_sandbox_events(gateway)) if e.request_id in request_ids]
        if len(events) == len(request_ids) or time.monotonic() > deadline:
            return events
        time.sleep(0.3)


def _stored_bytes(gateway: Gateway) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(gateway.data_dir.glob("medley.db*")))


def test_typed_national_ids_are_recorded_only_as_keyed_hashes(
    api: httpx.Client, care_unit_path: str, gateway: Gateway
) -> None:
    request_ids: set[str] = set()
    for typed in (f"nhs_number:{NHS_NUMBER}", f"se_personal_number:{PERSONAL_NUMBER}"):
        for tail in PATIENT_PATHS:
            response = api.get(f"{care_unit_path}/patients/{typed}{tail}")
            assert response.status_code == 400, response.text  # Cliniko cannot look patients up by these
            request_ids.add(response.headers["x-request-id"])
    events = _events_with(gateway, request_ids)
    assert len(events) == len(request_ids)
    recorded = [record_id for event in events for record_id in event.record_ids]
    assert len(recorded) == len(events)
    assert {r.split("#")[0] for r in recorded} == {"nhs_number", "se_personal_number"}
    # The same person gives the same hash (an operator can still follow one person), different ids differ.
    assert len(set(recorded)) == 2
    stored = _stored_bytes(gateway)
    for national_id in (NHS_NUMBER, PERSONAL_NUMBER, PERSONAL_NUMBER.replace("-", "")):
        assert national_id.encode() not in stored
        assert all(national_id not in r for r in recorded)


def test_ehr_ids_are_recorded_as_they_are(api: httpx.Client, care_unit_path: str, gateway: Gateway) -> None:
    patient_id = api.get(f"{care_unit_path}/patients").json()[0]["id"]
    plain = api.get(f"{care_unit_path}/patients/{patient_id}")
    typed = api.get(f"{care_unit_path}/patients/emr_id:{patient_id}")
    assert plain.status_code == typed.status_code == 200
    events = _events_with(gateway, {plain.headers["x-request-id"], typed.headers["x-request-id"]})
    assert [event.record_ids for event in events] == [(patient_id,), (patient_id,)]
