"""The whole public workflow, over HTTP, against a real server with its built-in sandbox practice:
care units -> patients -> services, resources, timeslots -> book, list, reschedule, cancel -> notes -> documents.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx

Json = Any


def _first_unit(api: httpx.Client) -> dict[str, Json]:
    response = api.get("/emrs/cliniko/care-units")
    assert response.status_code == 200, response.text
    units = response.json()
    assert len(units) >= 3
    assert {"id", "name", "timezone", "address"} <= set(units[0])
    return dict(units[0])


def _slots(api: httpx.Client, unit_id: str, **params: str) -> list[dict[str, Json]]:
    response = api.get(f"/emrs/cliniko/care-units/{unit_id}/timeslots", params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


def _same_slot(a: dict[str, Json], b: dict[str, Json]) -> bool:
    return (
        datetime.fromisoformat(a["start"]) == datetime.fromisoformat(b["start"])
        and a["resource_id"] == b["resource_id"]
        and a["healthcare_service_id"] == b["healthcare_service_id"]
    )


def test_unauthenticated_calls_are_refused(server_url: str) -> None:
    response = httpx.get(server_url + "/api/emrs/cliniko/care-units")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "UNAUTHORIZED"
    assert body["instance"] == response.headers["x-request-id"]


def test_full_workflow(api: httpx.Client) -> None:
    unit = _first_unit(api)
    base = f"/emrs/cliniko/care-units/{unit['id']}"

    emrs = api.get("/emrs").json()
    cliniko = next(e for e in emrs if e["code"] == "cliniko")
    assert cliniko["connected"] and cliniko["sandbox"]
    assert "appointments.create" in cliniko["capabilities"]["operations"]

    resources = api.get(f"{base}/resources").json()
    services = api.get(f"{base}/healthcare-services").json()
    assert resources and services
    assert all(s["duration_minutes"] > 0 for s in services)
    resource = api.get(f"{base}/resources/{resources[0]['id']}").json()
    assert resource["id"] == resources[0]["id"]

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
    assert patient["birth_date"] == "1985-12-10" and patient["emails"] == person["emails"]
    assert api.get(f"{base}/patients/emr_id:{patient['id']}").json()["last_name"] == person["last_name"]
    found = api.get(f"{base}/patients", params={"first_name": "Ada", "last_name": person["last_name"]}).json()
    assert [p["id"] for p in found] == [patient["id"]]

    # Book the first free slot; it disappears from the timeslots.
    slots = _slots(api, unit["id"])
    assert slots, "the sandbox practice should have free time in the next 14 days"
    slot = slots[0]
    booked = api.post(
        f"{base}/appointments", json={**slot, "patient_id": patient["id"], "comment": "First visit"}
    )
    assert booked.status_code == 201, booked.text
    appointment = booked.json()[0]
    assert appointment["status"] == "booked" and appointment["patient_id"] == patient["id"]
    window = {
        "start": slot["start"],
        "end": (datetime.fromisoformat(slot["end"]) + timedelta(hours=1)).isoformat(),
    }
    assert not any(_same_slot(s, slot) for s in _slots(api, unit["id"], **window))

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
            unit["id"],
            resource_id=slot["resource_id"],
            healthcare_service_id=slot["healthcare_service_id"],
        )
        if datetime.fromisoformat(s["start"]) >= datetime.fromisoformat(slot["end"]) + timedelta(hours=2)
    )
    moved = api.patch(
        f"{base}/appointments/{appointment['id']}", json={"start": later["start"], "end": later["end"]}
    )
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["start"]) == datetime.fromisoformat(later["start"])
    assert any(_same_slot(s, slot) for s in _slots(api, unit["id"], **window)), "the old slot is free again"

    # Cancel: the slot comes back.
    cancelled = api.patch(
        f"{base}/appointments/{appointment['id']}", json={"status": "cancelled", "comment": "Feeling better"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    later_window = {"start": later["start"], "end": later["end"]}
    assert any(_same_slot(s, later) for s in _slots(api, unit["id"], **later_window))
    assert api.get(f"{base}/appointments/{appointment['id']}").json()["status"] == "cancelled"

    # A medical note, read back.
    note = api.post(
        f"{base}/patients/{patient['id']}/medical-notes",
        json={
            "template_id": "leyr_unstructured",
            "title": "Initial assessment",
            "created_by_id": slot["resource_id"],
            "content": {"unstructured": "Lower back pain, 3 weeks. Plan: rehab."},
        },
    )
    assert note.status_code == 201, note.text
    assert note.json()["signed"] is False
    notes = api.get(f"{base}/patients/{patient['id']}/medical-notes").json()
    assert [n["content"] for n in notes if n["id"] == note.json()["id"]] == [
        {"unstructured": "Lower back pain, 3 weeks. Plan: rehab."}
    ]

    # A document, read back byte for byte.
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
