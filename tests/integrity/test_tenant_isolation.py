"""One gateway, several tenants: an application sees and changes only what its own connection reaches.

Application A is the built-in sandbox; application B has a live connection to another emulator process with its
own database; application C has no connection at all. B's records are distinctive (name, email, comment, note),
so any leak of them into A's answers would show.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.integrity.clinic import Clinic, Person
from tests.integrity.conftest import SHORT_FUSE_ENV, SandboxGateway
from tests.integrity.deployment import GATEWAY_ENV, SANDBOX_APP, AppCredentials, Emulator, create_app, instant

Json = Any

NEIGHBOURS = range(-2, 3)


@dataclass(frozen=True)
class TenantRecords:
    """What B wrote in its own EHR."""

    person: Person
    patient_id: str
    appointment: dict[str, Json]
    comment: str
    note_text: str

    @property
    def traces(self) -> list[str]:
        return [self.person.last_name, self.person.email, self.comment, self.note_text]


@pytest.fixture(scope="module")
def tenant_b(sandbox_gateway: SandboxGateway) -> TenantRecords:
    with sandbox_gateway.gateway.api(sandbox_gateway.live) as api:
        clinic = Clinic.first(api)
        person = Person.distinctive()
        patient_id = str(clinic.add_patient(person)["id"])
        slot = clinic.any_free_slot()
        comment = f"Only tenant B may read this {uuid.uuid4().hex[:6]}"
        booked = clinic.book(slot, patient_id, comment=comment)
        assert booked.status_code == 201, booked.text
        note_text = f"Tenant B clinical note {uuid.uuid4().hex[:6]}"
        note = api.post(
            f"{clinic.path}/patients/{patient_id}/medical-notes",
            json={
                "template_id": "leyr_unstructured",
                "title": "Assessment",
                "created_by_id": slot["resource_id"],
                "content": {"unstructured": note_text},
            },
        )
        assert note.status_code == 201, note.text
        return TenantRecords(person, patient_id, booked.json()[0], comment, note_text)


@pytest.fixture(scope="module")
def unconnected_app(sandbox_gateway: SandboxGateway) -> AppCredentials:
    return create_app({**GATEWAY_ENV, **SHORT_FUSE_ENV}, sandbox_gateway.gateway.data_dir, "Not connected")


@pytest.fixture
def clinic_a(sandbox_api: httpx.Client) -> Clinic:
    return Clinic.first(sandbox_api)


def _shows_nothing_of(
    response: httpx.Response, tenant: TenantRecords, allowed: tuple[int, ...] = (200, 404)
) -> None:
    assert response.status_code in allowed, response.text
    leaked = [trace for trace in tenant.traces if trace.lower() in response.text.lower()]
    assert not leaked, f"{response.request.method} {response.request.url.path} showed {leaked}"


def _ids_around(record_id: str) -> list[str]:
    return [str(int(record_id) + step) for step in NEIGHBOURS]


def test_another_tenants_patients_are_never_seen_whatever_id_is_guessed(
    clinic_a: Clinic, tenant_b: TenantRecords
) -> None:
    api, base = clinic_a.api, clinic_a.path
    search = api.get(f"{base}/patients", params={"first_name": "Philomena", "last_name": tenant_b.person.last_name})
    assert search.status_code == 200 and search.json() == []
    _shows_nothing_of(api.get(f"{base}/patients", params={"email": tenant_b.person.email}), tenant_b)
    for patient_id in _ids_around(tenant_b.patient_id):
        for path in (
            f"{base}/patients/{patient_id}",
            f"{base}/patients/emr_id:{patient_id}",
            f"{base}/patients/{patient_id}/medical-notes",
            f"{base}/patients/{patient_id}/documents",
            f"{base}/medical-notes?patient_id={patient_id}",
            f"{base}/appointments?patient_id={patient_id}",
        ):
            _shows_nothing_of(api.get(path), tenant_b)


def test_another_tenants_appointments_are_never_seen_whatever_id_is_guessed(
    clinic_a: Clinic, tenant_b: TenantRecords
) -> None:
    api, base = clinic_a.api, clinic_a.path
    for appointment_id in _ids_around(tenant_b.appointment["id"]):
        _shows_nothing_of(api.get(f"{base}/appointments/{appointment_id}"), tenant_b)
    moment = tenant_b.appointment["start"]
    listed = api.get(f"{base}/appointments", params={"start": moment, "end": tenant_b.appointment["end"]})
    _shows_nothing_of(listed, tenant_b)
    assert tenant_b.appointment["id"] not in {a["id"] for a in listed.json() if a["patient_id"] == tenant_b.patient_id}


def test_another_tenants_appointment_cannot_be_moved_edited_or_cancelled(
    clinic_a: Clinic, tenant_b: TenantRecords, emulator: Emulator
) -> None:
    api, base = clinic_a.api, clinic_a.path
    target = tenant_b.appointment["id"]
    elsewhere = clinic_a.any_free_slot()
    attempts = [
        api.patch(f"{base}/appointments/{target}", json={"comment": "changed by A"}),
        api.patch(f"{base}/appointments/{target}", json={"start": elsewhere["start"], "end": elsewhere["end"]}),
        api.patch(f"{base}/appointments/{target}", json={"status": "cancelled", "comment": "cancelled by A"}),
        api.patch(f"{base}/appointments", json={"ids": [target], "status": "cancelled"}),
    ]
    for attempt in attempts:
        # 404, or (when A has an appointment of its own with that id) A's own answer about A's own record.
        _shows_nothing_of(attempt, tenant_b, allowed=(200, 400, 404, 409))

    with emulator.client() as ehr:
        record = ehr.get(f"/individual_appointments/{target}").json()
    assert record["cancelled_at"] is None and record["archived_at"] is None
    assert record["notes"] == tenant_b.comment
    assert instant(record["starts_at"]) == instant(tenant_b.appointment["start"])


def test_booking_for_another_tenants_patient_never_writes_to_their_ehr(
    clinic_a: Clinic, tenant_b: TenantRecords, emulator: Emulator
) -> None:
    before = emulator.count("individual_appointments", f"patient_id:={tenant_b.patient_id}", "archived_at:*")
    attempt = clinic_a.book(clinic_a.any_free_slot(), tenant_b.patient_id)
    # 201 only if A has a patient of its own with that id: then it is A's booking, in A's EHR.
    _shows_nothing_of(attempt, tenant_b, allowed=(201, 404))
    after = emulator.count("individual_appointments", f"patient_id:={tenant_b.patient_id}", "archived_at:*")
    assert after == before


def test_each_application_reaches_only_its_own_connection(
    sandbox_gateway: SandboxGateway, unconnected_app: AppCredentials, tenant_b: TenantRecords
) -> None:
    url = sandbox_gateway.gateway.url

    def cliniko_entry(app: AppCredentials) -> dict[str, Json]:
        emrs = httpx.get(f"{url}/api/emrs", headers=app.headers)
        assert emrs.status_code == 200, emrs.text
        return next(e for e in emrs.json() if e["code"] == "cliniko")

    assert cliniko_entry(SANDBOX_APP)["sandbox"] is True
    assert cliniko_entry(sandbox_gateway.live)["sandbox"] is False
    assert cliniko_entry(unconnected_app)["connected"] is False

    with sandbox_gateway.gateway.api(unconnected_app) as api:
        unit = tenant_b.appointment["care_unit_id"]
        for path in ("/care-units", f"/care-units/{unit}/patients/{tenant_b.patient_id}"):
            refused = api.get(path)
            assert refused.status_code == 404, refused.text
            assert refused.json()["errors"][0]["error_code"] == "INVALID_EMR"


@pytest.mark.parametrize("secret_of", ["wrong", "other tenant"])
def test_a_secret_that_is_not_the_applications_own_is_refused(
    sandbox_gateway: SandboxGateway, secret_of: str
) -> None:
    secret = "not-the-sandbox-secret-3f9a1c" if secret_of == "wrong" else sandbox_gateway.live.client_secret
    headers = {"x-leyr-client-id": SANDBOX_APP.client_id, "x-leyr-client-secret": secret}
    with httpx.Client(base_url=f"{sandbox_gateway.gateway.url}/api/emrs/cliniko", headers=headers) as api:
        for response in (
            api.get("/care-units"),
            api.post("/care-units/1/patients", json=Person.distinctive().body(), headers={"Idempotency-Key": "k-1"}),
        ):
            assert response.status_code == 401, response.text
            assert response.json()["code"] == "UNAUTHORIZED"
            assert secret not in response.text
