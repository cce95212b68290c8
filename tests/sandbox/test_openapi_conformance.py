"""Every answer the emulator serves conforms to Cliniko's official OpenAPI document.

The schemas come from ``tests/sandbox/openapi/cliniko_operations.json``, generated from the document by
``tests/sandbox/openapi/regenerate.py``. One walk exercises every documented operation the emulator
serves, over the seeded practice (realistic data) and over edge cases: archived and cancelled records,
empty and full optional fields, a draft and a finalised note, a processing attachment, a week with no
free time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from medley.sandbox.cliniko.application import resource_routers
from medley.sandbox.cliniko.gate import API_PREFIX
from medley.sandbox.cliniko.server import ClinikoSandbox
from tests.sandbox.emulator import Bookable, available_starts, last_id
from tests.sandbox.openapi.conformance import Conformance, operations
from tests.sandbox.openapi.regenerate import shape

_AVAILABILITY = "/businesses/{business_id}/practitioners/{practitioner_id}/appointment_types/{appointment_type_id}"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_the_extract_names_every_documented_operation_the_emulator_serves() -> None:
    served = {
        f"{method} {shape(route.path.removeprefix(API_PREFIX))}"
        for router in resource_routers()
        for route in router.routes
        for method in getattr(route, "methods", ()) or ()
    }
    extracted = {f"{key.split(' ')[0]} {shape(key.split(' ', 1)[1])}" for key in operations()}
    assert extracted <= served
    documented_paths = {shape(entry["documented_path"]) for entry in operations().values()}
    # Served operations the document has no schema for are only these (checked by their own tests).
    undocumented = {op for op in served - extracted if op.split(" ", 1)[1] not in documented_paths}
    assert undocumented <= {
        "GET /patient_attachments/{}/content",
        "HEAD /patient_attachments/{}/content",
    } | {op for op in served if op.startswith(("PUT ", "HEAD "))}


async def test_every_documented_operation_answers_in_the_documented_shape(
    sandbox: ClinikoSandbox, client: httpx.AsyncClient, bookable: Bookable
) -> None:
    api = Conformance(client)
    ids = await _reads(api)
    await _availability(api, bookable)
    await _patients(api, ids)
    appointment_id = await _appointments(api, bookable, ids)
    await _unavailable_blocks(api, bookable)
    await _treatment_notes(api, ids, appointment_id)
    await _attachments(api, sandbox, ids)
    await _group_appointments(api, bookable, ids)
    assert not api.failures, "\n".join(sorted(set(api.failures))[:80])
    assert set(operations()) - api.exercised == set()


async def _first_id(api: Conformance, operation: str, key: str, **params: Any) -> str:
    body = await api.json(operation, params={"per_page": 100, **params})
    assert body[key], f"{operation} listed nothing"
    record_id: str = body[key][0]["id"]
    return record_id


async def _reads(api: Conformance) -> dict[str, str]:
    ids: dict[str, str] = {}
    await api.json("GET /user")
    await api.json("GET /settings/public")
    ids["business"] = await _first_id(api, "GET /businesses", "businesses", **{"q[]": "archived_at:*"})
    ids["practitioner"] = await _first_id(api, "GET /practitioners", "practitioners")
    await api.json("GET /practitioners/inactive")
    ids["appointment_type"] = await _first_id(
        api, "GET /appointment_types", "appointment_types", **{"q[]": "archived_at:*"}
    )
    ids["patient"] = await _first_id(api, "GET /patients", "patients", **{"q[]": "archived_at:*"})
    ids["template"] = await _first_id(
        api, "GET /treatment_note_templates", "treatment_note_templates", **{"q[]": "archived_at:*"}
    )
    ids["daily"] = await _first_id(api, "GET /daily_availabilities", "daily_availabilities")
    ids["availability_block"] = await _first_id(api, "GET /availability_blocks", "availability_blocks")
    ids["unavailable_block"] = await _first_id(api, "GET /unavailable_blocks", "unavailable_blocks")
    ids["note"] = await _first_id(api, "GET /treatment_notes", "treatment_notes", **{"q[]": "draft:=true"})
    await api.json("GET /treatment_notes", params={"per_page": 100, "q[]": "draft:=false"})
    ids["attachment"] = await _first_id(api, "GET /patient_attachments", "patient_attachments")
    ids["appointment"] = await _first_id(
        api, "GET /individual_appointments", "individual_appointments", **{"q[]": "cancelled_at:?"}
    )
    await api.json("GET /individual_appointments", params={"per_page": 100, "q[]": "did_not_arrive:=true"})
    await api.json("GET /individual_appointments", params={"per_page": 100, "sort": "starts_at:desc"})
    bookings = await api.json("GET /bookings", params={"per_page": 100, "q[]": ["archived_at:*", "cancelled_at:*"]})
    for booking in bookings["bookings"][:3]:
        await api.json("GET /bookings/{booking_id}", f"/bookings/{booking['id']}", params={"q[]": "cancelled_at:*"})
    user_id = last_id((await api.json("GET /user"))["links"]["self"])
    await api.json("GET /users/{user_id}", f"/users/{user_id}")
    business, practitioner, kind = ids["business"], ids["practitioner"], ids["appointment_type"]
    await api.json("GET /businesses/{business_id}", f"/businesses/{business}", params={"q[]": "archived_at:*"})
    await api.json("GET /businesses/{business_id}/practitioners", f"/businesses/{business}/practitioners")
    await api.json(
        "GET /businesses/{business_id}/practitioners/inactive", f"/businesses/{business}/practitioners/inactive"
    )
    await api.json("GET /businesses/{business_id}/daily_availabilities", f"/businesses/{business}/daily_availabilities")
    await api.json("GET /practitioners/{practitioner_id}", f"/practitioners/{practitioner}")
    await api.json(
        "GET /practitioners/{practitioner_id}/appointment_types", f"/practitioners/{practitioner}/appointment_types"
    )
    await api.json(
        "GET /practitioners/{practitioner_id}/daily_availabilities",
        f"/practitioners/{practitioner}/daily_availabilities",
    )
    await api.json(
        "GET /appointment_types/{appointment_type_id}", f"/appointment_types/{kind}", params={"q[]": "archived_at:*"}
    )
    await api.json(
        "GET /appointment_types/{appointment_type_id}/practitioners", f"/appointment_types/{kind}/practitioners"
    )
    await api.json(
        "GET /appointment_types/{appointment_type_id}/practitioners/inactive",
        f"/appointment_types/{kind}/practitioners/inactive",
    )
    await api.json("GET /daily_availabilities/{daily_availability_id}", f"/daily_availabilities/{ids['daily']}")
    await api.json(
        "GET /availability_blocks/{availability_block_id}", f"/availability_blocks/{ids['availability_block']}"
    )
    await api.json(
        "GET /treatment_note_templates/{template_id}",
        f"/treatment_note_templates/{ids['template']}",
        params={"q[]": "archived_at:*"},
    )
    await api.json("GET /treatment_notes/{treatment_note_id}", f"/treatment_notes/{ids['note']}")
    await api.json("GET /patients/{patient_id}/treatment_notes", f"/patients/{ids['patient']}/treatment_notes")
    await api.json("GET /patient_attachments/{attachment_id}", f"/patient_attachments/{ids['attachment']}")
    return ids


async def _availability(api: Conformance, bookable: Bookable) -> None:
    await api.json(
        f"GET {_AVAILABILITY}/available_times",
        bookable.path + "/available_times",
        params={**bookable.window, "per_page": 5},
    )
    await api.json(
        f"GET {_AVAILABILITY}/next_available_time",
        bookable.path + "/next_available_time",
        params=bookable.window,
    )


async def _patients(api: Conformance, ids: dict[str, str]) -> None:
    minimal = await api.json("POST /patients", json={"first_name": "Ada", "last_name": "Edge"})
    full = await api.json(
        "POST /patients",
        json={
            "first_name": "Zoë",
            "last_name": "O’Connor-Smith",
            "title": "Dr",
            "preferred_first_name": "Zo",
            "date_of_birth": "1984-02-29",
            "sex": "Female",
            "gender_identity": "Woman",
            "email": "zoe@example.com",
            "patient_phone_numbers": [{"phone_type": "Mobile", "number": "0491 570 156"}],
            "address_1": "1 Test St",
            "city": "Sydney",
            "state": "NSW",
            "post_code": "2000",
            "country": "Australia",
            "country_code": "AU",
            "time_zone": "Australia/Sydney",
            "reminder_type": "SMS & Email",
        },
    )
    await api.json(
        "PATCH /patients/{patient_id}",
        f"/patients/{full['id']}",
        json={"notes": "Prefers afternoons", "occupation": "Nurse"},
    )
    await api.json("GET /patients/{patient_id}", f"/patients/{minimal['id']}")
    await api.call("POST /patients/{patient_id}/archive", f"/patients/{minimal['id']}/archive")
    await api.json("GET /patients/{patient_id}", f"/patients/{minimal['id']}", params={"q[]": "archived_at:*"})
    await api.json("POST /patients/{patient_id}/unarchive", f"/patients/{minimal['id']}/unarchive")
    await api.call("DELETE /patients/{patient_id}", f"/patients/{minimal['id']}")
    ids["new_patient"] = full["id"]


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def _appointments(api: Conformance, bookable: Bookable, ids: dict[str, str]) -> str:
    starts = await available_starts(api.client, bookable)
    created = await api.json(
        "POST /individual_appointments",
        json={
            "starts_at": starts[0],
            "patient_id": ids["new_patient"],
            "practitioner_id": bookable.practitioner_id,
            "appointment_type_id": bookable.appointment_type_id,
            "business_id": bookable.business_id,
            "notes": "First visit",
        },
    )
    appointment = created["id"]
    path = f"/individual_appointments/{appointment}"
    moved = datetime.fromisoformat(starts[-1].replace("Z", "+00:00"))
    await api.json(
        "PATCH /individual_appointments/{appointment_id}", path, json={"starts_at": _z(moved), "ends_at": None}
    )
    await api.json("GET /individual_appointments/{appointment_id}", path)
    await api.json("GET /individual_appointments/{appointment_id}/conflicts", path + "/conflicts")
    await api.json("GET /bookings/{booking_id}", f"/bookings/{appointment}")
    second = await api.json(
        "POST /individual_appointments",
        json={
            "starts_at": starts[1],
            "patient_id": ids["new_patient"],
            "practitioner_id": bookable.practitioner_id,
            "appointment_type_id": bookable.appointment_type_id,
            "business_id": bookable.business_id,
        },
    )
    second_path = f"/individual_appointments/{second['id']}"
    await api.call(
        "PATCH /individual_appointments/{appointment_id}/cancel",
        second_path + "/cancel",
        json={"cancellation_reason": 50, "cancellation_note": "Moved interstate"},
    )
    await api.json("GET /individual_appointments/{appointment_id}", second_path, params={"q[]": "cancelled_at:*"})
    await api.call("POST /individual_appointments/{appointment_id}/archive", second_path + "/archive")
    await api.call("DELETE /individual_appointments/{appointment_id}", second_path)
    return str(appointment)


async def _unavailable_blocks(api: Conformance, bookable: Bookable) -> None:
    starts_at = datetime.combine(bookable.last_day, datetime.min.time(), bookable.zone) + timedelta(hours=12)
    block = await api.json(
        "POST /unavailable_blocks",
        json={
            "business_id": bookable.business_id,
            "practitioner_id": bookable.practitioner_id,
            "starts_at": _z(starts_at),
            "ends_at": _z(starts_at + timedelta(hours=1)),
            "notes": "Team meeting",
        },
    )
    path = f"/unavailable_blocks/{block['id']}"
    await api.json("GET /unavailable_blocks/{unavailable_block_id}", path)
    await api.json("GET /unavailable_blocks/{unavailable_block_id}/conflicts", path + "/conflicts")
    moved = {"starts_at": _z(starts_at + timedelta(hours=1)), "ends_at": _z(starts_at + timedelta(hours=2))}
    await api.json("PATCH /unavailable_blocks/{unavailable_block_id}", path, json=moved)
    repeated = {"repeat_type": "Daily", "repeating_interval": 1, "number_of_repeats": 2}
    await api.json(
        "POST /availability_blocks",
        json={
            "business_id": bookable.business_id,
            "practitioner_id": bookable.practitioner_id,
            "starts_at": _z(starts_at + timedelta(hours=10)),
            "ends_at": _z(starts_at + timedelta(hours=11)),
            "repeat_rule": repeated,
        },
    )
    await api.call("POST /unavailable_blocks/{unavailable_block_id}/archive", path + "/archive")
    await api.json("GET /unavailable_blocks/{unavailable_block_id}", path, params={"q[]": "archived_at:*"})
    await api.call("DELETE /unavailable_blocks/{unavailable_block_id}", path)


async def _treatment_notes(api: Conformance, ids: dict[str, str], appointment_id: str) -> None:
    content = {
        "sections": [
            {
                "name": "Assessment",
                "questions": [
                    {"name": "Presenting complaint", "type": "paragraph", "answer": "<p>Sore <b>knee</b></p>"},
                    {
                        "name": "Side",
                        "type": "radiobuttons",
                        "answers": [{"value": "Left", "selected": True}, {"value": "Right"}],
                    },
                    {"name": "Review", "type": "date", "answer": "2030-01-31"},
                ],
            }
        ]
    }
    note = await api.json(
        "POST /treatment_notes",
        json={
            "patient_id": ids["new_patient"],
            "treatment_note_template_id": ids["template"],
            "booking_id": appointment_id,
            "content": content,
        },
    )
    path = f"/treatment_notes/{note['id']}"
    await api.json("PATCH /treatment_notes/{treatment_note_id}", path, json={"draft": False, "title": "Knee review"})
    await api.call("POST /treatment_notes/{treatment_note_id}/archive", path + "/archive")
    await api.json("POST /treatment_notes/{treatment_note_id}/unarchive", path + "/unarchive")
    await api.call("DELETE /treatment_notes/{treatment_note_id}", path)
    empty = await api.json("POST /treatment_notes", json={"patient_id": ids["new_patient"], "content": None})
    assert empty["content"] is None


async def _attachments(api: Conformance, sandbox: ClinikoSandbox, ids: dict[str, str]) -> None:
    patient = ids["new_patient"]
    presigned = await api.json(
        "GET /patients/{patient_id}/attachment_presigned_post", f"/patients/{patient}/attachment_presigned_post"
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app)) as s3:
        uploaded = await s3.post(
            presigned["url"], data=presigned["fields"], files={"file": ("scan.png", PNG, "image/png")}
        )
    key = re.search("<Key>(.*?)</Key>", uploaded.text)
    assert key is not None, uploaded.text
    created = await api.json(
        "POST /patient_attachments",
        json={"patient_id": patient, "upload_url": presigned["url"] + key.group(1), "description": "Knee scan"},
    )
    path = f"/patient_attachments/{created['id']}"
    await api.json("GET /patient_attachments/{attachment_id}", path)
    await api.json("GET /patients/{patient_id}/patient_attachments", f"/patients/{patient}/patient_attachments")
    await api.call("POST /patient_attachments/{attachment_id}/archive", path + "/archive")
    await api.call("DELETE /patient_attachments/{attachment_id}", path)


async def _group_appointments(api: Conformance, bookable: Bookable, ids: dict[str, str]) -> None:
    seeded = await api.json("GET /group_appointments", params={"per_page": 100, "q[]": "archived_at:*"})
    group = seeded["group_appointments"][0]
    await api.json("GET /group_appointments/{group_appointment_id}", f"/group_appointments/{group['id']}")
    await api.json("GET /bookings", params={"q[]": [f"id:={group['id']}", f"patient_ids:~{group['patient_ids'][0]}"]})
    await api.json("GET /bookings/{booking_id}", f"/bookings/{group['id']}")
    seats = await api.json(
        "GET /group_appointments/{group_appointment_id}/attendees",
        f"/group_appointments/{group['id']}/attendees",
        params={"q[]": "cancelled_at:*"},
    )
    await api.json("GET /attendees", params={"per_page": 100, "q[]": "cancelled_at:?"})
    await api.json("GET /attendees/{attendee_id}", f"/attendees/{seats['attendees'][0]['id']}")
    kind = await _first_id(api, "GET /appointment_types", "appointment_types")
    starts_at = datetime.combine(bookable.last_day, datetime.min.time(), bookable.zone) + timedelta(hours=7)
    created = await api.json(
        "POST /group_appointments",
        json={
            "starts_at": _z(starts_at),
            "practitioner_id": bookable.practitioner_id,
            "appointment_type_id": kind,
            "business_id": bookable.business_id,
            "max_attendees": 4,
            "notes": "Early class",
            "repeat_rule": {"repeat_type": "Weekly", "repeating_interval": 1, "number_of_repeats": 2},
        },
    )
    path = f"/group_appointments/{created['id']}"
    await api.json("PATCH /group_appointments/{group_appointment_id}", path, json={"ends_at": None, "notes": None})
    await api.json("GET /group_appointments/{group_appointment_id}/conflicts", path + "/conflicts")
    seat = await api.json(
        "POST /attendees", json={"booking_id": created["id"], "patient_id": ids["new_patient"], "notes": "First class"}
    )
    seat_path = f"/attendees/{seat['id']}"
    await api.json("PATCH /attendees/{attendee_id}", seat_path, json={"arrived": True})
    await api.call("PATCH /attendees/{attendee_id}/cancel", seat_path + "/cancel", json={"cancellation_reason": 40})
    await api.json("GET /attendees/{attendee_id}", seat_path, params={"q[]": "cancelled_at:*"})
    await api.call("POST /attendees/{attendee_id}/archive", seat_path + "/archive")
    await api.call("DELETE /attendees/{attendee_id}", seat_path)
    await api.call("POST /group_appointments/{group_appointment_id}/archive", path + "/archive")
    await api.json("GET /group_appointments/{group_appointment_id}", path, params={"q[]": "archived_at:*"})
    await api.call("DELETE /group_appointments/{group_appointment_id}", path)
