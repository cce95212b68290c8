"""Secrets and patient data never reach the gateway's logs or its audit trail.

A whole workflow (patient, search, booking, reschedule, note, document, cancel, and a few refused calls) runs
against a real ``medley serve`` logging at debug level into a file; the file is then searched for the client
secret, the EHR API key, the master key, and the patient's name, email, phone, comment, note and document,
in clear and URL-encoded. ``medley audit`` (the CLI, as a subprocess) must then tell what happened to which
record ids, with which outcome, and nothing more.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest

from tests.integrity.clinic import Clinic, Person
from tests.integrity.conftest import SHORT_FUSE_ENV, SandboxGateway
from tests.integrity.deployment import (
    EMULATOR_API_KEY,
    GATEWAY_ENV,
    MASTER_KEY,
    AppCredentials,
    Emulator,
    live_app,
    medley_cli,
)

Json = Any

WRONG_SECRET = "wrong-secret-7d1e5b2c9f0a4e68"


@dataclass(frozen=True)
class Workflow:
    """What one clinic did, and the identifiers and words it used."""

    app: AppCredentials
    person: Person
    patient_id: str
    appointment_id: str
    note_id: str
    document_id: str
    comment: str
    note_text: str
    document_title: str
    error_bodies: list[str]

    @property
    def patient_data(self) -> list[str]:
        return [
            self.person.first_name,
            self.person.last_name,
            self.person.email,
            self.person.phone,
            "".join(c for c in self.person.phone if c.isdigit()),
            self.comment,
            self.note_text,
            self.document_title,
        ]


def _ok(response: httpx.Response, status: int = 200) -> Json:
    assert response.status_code == status, response.text
    return response.json()


def _slot_and_a_later_one(clinic: Clinic) -> tuple[dict[str, Any], dict[str, Any]]:
    slots = clinic.free_slots()
    for index, slot in enumerate(slots):
        for other in slots[index + 1 :]:
            same = (other["resource_id"], other["healthcare_service_id"]) == (
                slot["resource_id"],
                slot["healthcare_service_id"],
            )
            if same and datetime.fromisoformat(other["start"]) >= datetime.fromisoformat(slot["end"]):
                return slot, other
    raise AssertionError("the practice should have two free slots of one resource and service")


@pytest.fixture(scope="module")
def workflow(sandbox_gateway: SandboxGateway, emulator: Emulator) -> Workflow:
    gateway = sandbox_gateway.gateway
    app = live_app({**GATEWAY_ENV, **SHORT_FUSE_ENV}, gateway.data_dir, "Audited clinic", emulator.v1)
    person = Person.distinctive()
    tag = uuid.uuid4().hex[:6]
    comment, note_text, title = f"Knee pain {tag}", f"Meniscus tear suspected {tag}", f"MRI report {tag}"
    with gateway.api(app) as api:
        clinic = Clinic.first(api)
        base = clinic.path
        patient_id = str(clinic.add_patient(person)["id"])
        assert _ok(api.get(f"{base}/patients", params={"first_name": person.first_name, "last_name": person.last_name}))
        assert _ok(api.get(f"{base}/patients", params={"email": person.email}))
        assert _ok(api.get(f"{base}/patients", params={"phone": person.phone}))
        _ok(api.get(f"{base}/patients/emr_id:{patient_id}"))

        # The earliest free slot, and a later one of the same resource and service to move it to.
        slot, later = _slot_and_a_later_one(clinic)
        (appointment,) = _ok(clinic.book(slot, patient_id, comment=comment), 201)
        _ok(api.patch(f"{base}/appointments/{appointment['id']}", json={"start": later["start"], "end": later["end"]}))
        _ok(api.get(f"{base}/appointments", params={"patient_id": patient_id}))

        note = _ok(
            api.post(
                f"{base}/patients/{patient_id}/medical-notes",
                json={
                    "template_id": "leyr_unstructured",
                    "title": "Assessment",
                    "created_by_id": slot["resource_id"],
                    "content": {"unstructured": note_text},
                },
            ),
            201,
        )
        _ok(api.get(f"{base}/patients/{patient_id}/medical-notes"))
        pdf = b"%PDF-1.4\n" + note_text.encode() + b"\n%%EOF\n"
        document = _ok(
            api.post(
                f"{base}/patients/{patient_id}/documents",
                json={"content": base64.b64encode(pdf).decode(), "format": "application/pdf", "title": title},
            ),
            201,
        )
        assert api.get(f"{base}/patients/{patient_id}/documents/{document['id']}").content == pdf
        cancel = {"status": "cancelled", "comment": comment}
        assert _ok(api.patch(f"{base}/appointments/{appointment['id']}", json=cancel))["status"] == "cancelled"

        # Refused calls: the secret must not come back in any problem body.
        wrong = {**app.headers, "x-leyr-client-secret": WRONG_SECRET}
        errors = [
            httpx.get(f"{gateway.url}/api/emrs/cliniko/care-units", headers=wrong),
            api.get(f"{base}/patients/999999999"),
            api.post(f"{base}/patients", json={"first_name": person.first_name}),
            api.post(f"{base}/appointments", json={"start": "yesterday", "patient_id": patient_id}),
            api.post(f"{base}/appointments", json={**slot, "patient_id": patient_id}, headers={"Idempotency-Key": ""}),
        ]
        for refused in errors:
            assert refused.status_code >= 400 and refused.headers["content-type"].startswith("application/problem+json")
    return Workflow(
        app, person, patient_id, str(appointment["id"]), str(note["id"]), str(document["id"]), comment, note_text,
        title, [r.text for r in errors],
    )


def _forms(value: str) -> set[str]:
    """A value as it could appear in a log line: in clear, or URL-encoded in a query string."""
    return {value.lower(), quote(value).lower(), quote_plus(value).lower(), quote(value, safe="").lower()}


def _found_in(text: str, values: list[str]) -> list[str]:
    haystack = text.lower()
    return [value for value in values if any(form in haystack for form in _forms(value))]


def _secrets(workflow: Workflow) -> list[str]:
    bare_key = EMULATOR_API_KEY.rsplit("-", 1)[0]
    return [workflow.app.client_secret, WRONG_SECRET, EMULATOR_API_KEY, bare_key, MASTER_KEY]


def test_problem_bodies_never_echo_the_secret(workflow: Workflow) -> None:
    for body in workflow.error_bodies:
        assert not _found_in(body, [workflow.app.client_secret, WRONG_SECRET]), body


def test_the_gateway_log_holds_no_secret_and_no_patient_data(
    workflow: Workflow, sandbox_gateway: SandboxGateway
) -> None:
    log = sandbox_gateway.gateway.log.read_text(errors="replace")
    assert "cliniko" in log.lower() and "debug" in log.lower(), "the log should be the debug log of this workflow"
    assert _found_in(log, _secrets(workflow)) == []
    assert _found_in(log, workflow.patient_data) == []


def _audit(sandbox_gateway: SandboxGateway, app: AppCredentials) -> tuple[str, list[dict[str, Json]]]:
    output = medley_cli(
        ["audit", "--app", app.client_id, "--json", "--limit", "200"],
        {**GATEWAY_ENV, **SHORT_FUSE_ENV},
        sandbox_gateway.gateway.data_dir,
    )
    return output, [json.loads(line) for line in output.splitlines() if line.strip()]


def test_the_audit_trail_lists_operations_ids_and_outcomes_and_nothing_else(
    workflow: Workflow, sandbox_gateway: SandboxGateway
) -> None:
    # Events are written in batches off the request path (every 0.5 s): read until two reads agree.
    deadline = time.monotonic() + 10
    output, events = _audit(sandbox_gateway, workflow.app)
    while time.monotonic() < deadline:
        time.sleep(0.6)
        previous, (output, events) = events, _audit(sandbox_gateway, workflow.app)
        if events == previous:
            break

    def event(method: str, path_end: str, status: int) -> list[dict[str, Json]]:
        return [e for e in events if e["method"] == method and e["path"].endswith(path_end) and e["status"] == status]

    assert all(e["operation"] and e["request_id"] and e["at"] for e in events)
    assert [workflow.patient_id] in [e["record_ids"] for e in event("POST", "/patients", 201)]
    assert [workflow.appointment_id] in [e["record_ids"] for e in event("POST", "/appointments", 201)]
    changes = event("PATCH", "/appointments/{appointment_id}", 200)
    assert len(changes) == 2 and all(e["record_ids"] == [workflow.appointment_id] for e in changes)
    assert any(workflow.note_id in e["record_ids"] for e in event("POST", "/medical-notes", 201))
    assert any(workflow.document_id in e["record_ids"] for e in event("POST", "/documents", 201))
    assert event("GET", "/patients/{patient_id}", 404), "refusals are audited with their outcome"
    assert {e["status"] for e in events} >= {200, 201, 400, 404}

    assert _found_in(output, workflow.patient_data) == []
    assert _found_in(output, _secrets(workflow)) == []
