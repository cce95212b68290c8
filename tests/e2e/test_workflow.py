"""The whole public workflow, over HTTP, against a real server with its built-in sandbox practices (Cliniko
and Acuity): care units -> patients -> services, resources, timeslots -> book, list, reschedule, cancel -> notes
-> documents.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

Json = Any


EMRS = ["cliniko", "acuity"]


CHANGE_NOTICE_DAYS = 3


def _first_unit(api: httpx.Client, emr: str = "cliniko") -> dict[str, Json]:
    response = api.get(f"/emrs/{emr}/care-units")
    assert response.status_code == 200, response.text
    units = response.json()
    assert units
    assert {"id", "name", "timezone", "address"} <= set(units[0])
    return dict(units[0])


def _slots(api: httpx.Client, emr: str, unit_id: str, **params: str) -> list[dict[str, Json]]:
    response = api.get(f"/emrs/{emr}/care-units/{unit_id}/timeslots", params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


def _same_slot(a: dict[str, Json], b: dict[str, Json]) -> bool:
    return (
        datetime.fromisoformat(a["start"]) == datetime.fromisoformat(b["start"])
        and a["resource_id"] == b["resource_id"]
        and a["healthcare_service_id"] == b["healthcare_service_id"]
    )


def _single_seat(slots: list[dict[str, Json]]) -> dict[str, Json]:
    """The first slot of a service offered on a rolling grid (another start of it the same day): a group class,
    which one booking does not fill, is offered at its scheduled times only."""
    day = {(s["resource_id"], s["healthcare_service_id"], s["start"][:10]) for s in slots}
    counts = {
        key: sum(1 for s in slots if (s["resource_id"], s["healthcare_service_id"], s["start"][:10]) == key)
        for key in day
    }
    return next(s for s in slots if counts[(s["resource_id"], s["healthcare_service_id"], s["start"][:10])] > 1)


def _not_supported(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["error_code"] == "NOT_SUPPORTED"


def test_unauthenticated_calls_are_refused(server_url: str) -> None:
    response = httpx.get(server_url + "/api/emrs/cliniko/care-units")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "UNAUTHORIZED"
    assert body["instance"] == response.headers["x-request-id"]


@pytest.mark.parametrize("emr", EMRS)
def test_full_workflow(api: httpx.Client, emr: str) -> None:
    """The same steps on every EHR; its capability matrix decides which must answer NOT_SUPPORTED."""
    unit = _first_unit(api, emr)
    base = f"/emrs/{emr}/care-units/{unit['id']}"

    emrs = api.get("/emrs").json()
    this = next(e for e in emrs if e["code"] == emr)
    assert this["connected"] and this["sandbox"]
    capabilities = this["capabilities"]
    operations = set(capabilities["operations"])
    assert "appointments.create" in operations

    resources = api.get(f"{base}/resources").json()
    services = api.get(f"{base}/healthcare-services").json()
    assert resources and services
    assert all(s["duration_minutes"] > 0 for s in services)
    resource = api.get(f"{base}/resources/{resources[0]['id']}").json()
    assert resource["id"] == resources[0]["id"]
    schedule = api.get(f"{base}/resources/{resources[0]['id']}/schedules")
    if "schedules.get" in operations:
        assert schedule.status_code == 200, schedule.text
    else:
        _not_supported(schedule)

    # A new patient, created twice: the second call returns the same person.
    suffix = uuid.uuid4().hex[:8]
    person = {
        "first_name": "Ada",
        "last_name": f"Lovelace-{suffix}",
        "birth_date": "1985-12-10",
        "phones": ["+61 400 123 456"],
        "emails": [f"ada.{suffix}@example.org"],
        "gender": "female",
        "address": {
            "line1": "1 Analytical St",
            "city": "Sydney",
            "state": "NSW",
            "postal_code": "2000",
            "country": "Australia",
        },
    }
    created = api.post(f"{base}/patients", json=person)
    assert created.status_code == 201, created.text
    patient = created.json()
    again = api.post(f"{base}/patients", json=person)
    assert again.status_code == 200
    assert again.json()["id"] == patient["id"]
    assert patient["emails"] == person["emails"]
    if any("birth_date" in key for key in capabilities["patient_upsert_key"]):
        assert patient["birth_date"] == "1985-12-10"
    assert api.get(f"{base}/patients/emr_id:{patient['id']}").json()["last_name"] == person["last_name"]
    found = api.get(f"{base}/patients", params={"first_name": "Ada", "last_name": person["last_name"]}).json()
    assert [p["id"] for p in found] == [patient["id"]]

    # Book a free slot; it disappears from the timeslots. Days ahead, whatever the time of day: an EHR may refuse
    # clients' changes close to an appointment (Acuity's sandbox practice: 24 hours).
    ahead = (datetime.now().astimezone() + timedelta(days=CHANGE_NOTICE_DAYS)).replace(microsecond=0)
    slots = _slots(api, emr, unit["id"], start=ahead.isoformat(), end=(ahead + timedelta(days=14)).isoformat())
    assert slots, "the sandbox practice should have free time in these 14 days"
    slot = _single_seat(slots)
    booked = api.post(f"{base}/appointments", json={**slot, "patient_id": patient["id"], "comment": "First visit"})
    assert booked.status_code == 201, booked.text
    appointment = booked.json()[0]
    assert appointment["status"] == "booked" and appointment["patient_id"] == patient["id"]
    assert appointment["comment"] == "First visit"
    window = {
        "start": slot["start"],
        "end": (datetime.fromisoformat(slot["end"]) + timedelta(hours=1)).isoformat(),
    }
    assert not any(_same_slot(s, slot) for s in _slots(api, emr, unit["id"], **window))

    # The same slot again: refused.
    twice = api.post(f"{base}/appointments", json={**slot, "patient_id": patient["id"]})
    assert twice.status_code == 409
    assert twice.json()["errors"][0]["error_code"] == "NO_TIMESLOTS_AVAILABLE"

    listed = api.get(f"{base}/appointments", params={"patient_id": patient["id"]}).json()
    assert [a["id"] for a in listed] == [appointment["id"]]

    # Reschedule to another free slot of the same resource and service.
    later = next(
        s
        for s in _slots(
            api,
            emr,
            unit["id"],
            start=ahead.isoformat(),
            end=(ahead + timedelta(days=14)).isoformat(),
            resource_id=slot["resource_id"],
            healthcare_service_id=slot["healthcare_service_id"],
        )
        if datetime.fromisoformat(s["start"]) >= datetime.fromisoformat(slot["end"]) + timedelta(hours=2)
    )
    moved = api.patch(f"{base}/appointments/{appointment['id']}", json={"start": later["start"], "end": later["end"]})
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["start"]) == datetime.fromisoformat(later["start"])
    assert any(_same_slot(s, slot) for s in _slots(api, emr, unit["id"], **window)), "the old slot is free again"

    # Cancel: the slot comes back.
    cancelled = api.patch(
        f"{base}/appointments/{appointment['id']}", json={"status": "cancelled", "comment": "Feeling better"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    later_window = {"start": later["start"], "end": later["end"]}
    assert any(_same_slot(s, later) for s in _slots(api, emr, unit["id"], **later_window))
    assert api.get(f"{base}/appointments/{appointment['id']}").json()["status"] == "cancelled"

    # A medical note, read back (or NOT_SUPPORTED, as the capabilities say).
    note = api.post(
        f"{base}/patients/{patient['id']}/medical-notes",
        json={
            "template_id": "leyr_unstructured",
            "title": "Initial assessment",
            "created_by_id": slot["resource_id"],
            "content": {"unstructured": "Lower back pain, 3 weeks. Plan: rehab."},
        },
    )
    notes = api.get(f"{base}/patients/{patient['id']}/medical-notes")
    if "notes.create" not in operations:
        _not_supported(note)
        _not_supported(notes)
    else:
        assert note.status_code == 201, note.text
        assert note.json()["signed"] is False
        assert [n["content"] for n in notes.json() if n["id"] == note.json()["id"]] == [
            {"unstructured": "Lower back pain, 3 weeks. Plan: rehab."}
        ]

    # A document, read back byte for byte (or NOT_SUPPORTED).
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
    doc = api.post(
        f"{base}/patients/{patient['id']}/documents",
        json={
            "content": base64.b64encode(pdf).decode(),
            "format": "application/pdf",
            "title": "Referral letter",
            "type": "Referral",
        },
    )
    if "documents.create" not in operations:
        _not_supported(doc)
        _not_supported(api.get(f"{base}/patients/{patient['id']}/documents"))
        _not_supported(api.get(f"{base}/patients/{patient['id']}/documents/1"))
        return
    assert doc.status_code == 201, doc.text
    document = doc.json()
    assert document["format"] == "application/pdf" and document["size"] == len(pdf)
    assert document["title"] == "Referral letter" and document["type"] == "Referral"
    listed_docs = api.get(f"{base}/patients/{patient['id']}/documents").json()
    assert document["id"] in [d["id"] for d in listed_docs]
    download = api.get(f"{base}/patients/{patient['id']}/documents/{document['id']}")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.content == pdf


def test_typed_ids_of_other_kinds_are_refused(api: httpx.Client) -> None:
    unit = _first_unit(api)
    response = api.get(f"/emrs/cliniko/care-units/{unit['id']}/patients/se_personal_number:191212121212")
    assert response.status_code == 400
    assert response.json()["errors"][0]["error_code"] == "PATIENT_ID_LOOKUP_TYPE_NOT_SUPPORTED"


def test_unknown_care_unit_is_404(api: httpx.Client) -> None:
    response = api.get("/emrs/cliniko/care-units/999999999/resources")
    assert response.status_code == 404
    assert response.json()["errors"][0]["error_code"] == "INVALID_CARE_UNIT_ID"


def test_window_beyond_maximum_is_bad_request(api: httpx.Client) -> None:
    unit = _first_unit(api)
    start = datetime.now().astimezone() + timedelta(days=1)
    response = api.get(
        f"/emrs/cliniko/care-units/{unit['id']}/timeslots",
        params={"start": start.isoformat(), "end": (start + timedelta(days=90)).isoformat()},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "BAD_REQUEST"


def test_openapi_describes_every_endpoint(server_url: str) -> None:
    spec = httpx.get(server_url + "/openapi.json").json()
    assert spec["servers"]
    paths = spec["paths"]
    for path in [
        "/api/emrs",
        "/api/emrs/{emr}/care-units",
        "/api/emrs/{emr}/care-units/{care_unit_id}/timeslots",
        "/api/emrs/{emr}/care-units/{care_unit_id}/appointments/{appointment_id}",
        "/api/emrs/{emr}/care-units/{care_unit_id}/patients/{patient_id}/documents/{document_id}",
    ]:
        assert path in paths
    assert "Problem" in spec["components"]["schemas"]
