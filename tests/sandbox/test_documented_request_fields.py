"""Every request field the official document defines for a served write is stored and returned.

The fields come from the committed extract (``openapi/cliniko_operations.json``): for each write, a body
holding every documented property is generated from its schema (real ids where a record must exist), checked
against the documented request schema, sent, and the record read back. Each property must come back: under
its own name, as the relation link an ``<x>_id`` names, or through the effect a write-only field documents.
A field the document adds later fails here until the emulator handles it, instead of being dropped silently.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from medley.sandbox.cliniko.server import ClinikoSandbox
from medley.sandbox.cliniko.tables import Attendee, GroupAppointment, Patient
from tests.sandbox.emulator import Bookable, any_patient_id, last_id
from tests.sandbox.openapi.conformance import extract, operations, validator

ELSEWHERE = frozenset(
    {
        "POST /attendees",
        "PATCH /attendees/{attendee_id}",
        "PATCH /attendees/{attendee_id}/cancel",
        "POST /group_appointments",
        "PATCH /group_appointments/{group_appointment_id}",
    }
)
"""Group appointments and attendees: their own tests cover their writes."""

UNSERVED_RELATION_ID = "836447129999000001"
"""For relations whose records the emulator does not serve (patient cases, concession types, contacts,
unavailable block types): Cliniko would check them, the emulator keeps any well-formed id and links it."""

OVERRIDES: dict[str, Any] = {
    "email": "ana.sample@example.com",
    "invoice_email": "accounts@example.com",
    "dva_card_number": "NX123456",
    "date_of_birth": "1985-04-12",
    "country_code": "NZ",
    "time_zone": "Pacific/Auckland",
    "patient_phone_numbers": [{"number": "0412 345 678", "phone_type": "Mobile"}],
    "receives_confirmation_emails": False,
    "receives_cancellation_emails": False,
    "unsubscribe_sms_marketing": True,
    "repeat_rule": {"repeat_type": "Weekly", "repeating_interval": 1, "number_of_repeats": 2},
    "content": {
        "sections": [
            {
                "name": "Assessment",
                "questions": [
                    {"name": "Findings", "type": "paragraph", "answer": "<p>Lower back <b>tight</b></p>"},
                    {"name": "Pain", "type": "radiobuttons", "answers": [{"value": "Mild", "selected": True}]},
                ],
            }
        ]
    },
}

WRITE_ONLY: dict[str, Callable[[Mapping[str, Any], Any], bool]] = {
    # The patient opts out of SMS marketing: accepted_sms_marketing shows it.
    "unsubscribe_sms_marketing": lambda record, sent: record["accepted_sms_marketing"] is (not sent),
    # The upload became the attachment's file (its content is compared in the flow itself).
    "upload_url": lambda record, sent: record["processing_completed"] is True and record["size"] > 0,
}


def sample(name: str, schema: Mapping[str, Any], ids: Mapping[str, str]) -> Any:
    """A documented value for one property: a real id, an override, or one built from its schema."""
    if name in ids:
        return ids[name]
    if name in OVERRIDES:
        return OVERRIDES[name]
    schema = _resolve(schema)
    if "oneOf" in schema or "anyOf" in schema:
        return sample(name, (schema.get("oneOf") or schema["anyOf"])[0], ids)
    kinds = schema.get("type", "object")
    kind = next(k for k in (kinds if isinstance(kinds, list) else [kinds]) if k != "null")
    if "enum" in schema:
        return [value for value in schema["enum"] if value is not None][-1]
    if kind == "object":
        return {key: sample(key, child, ids) for key, child in schema.get("properties", {}).items()}
    if kind == "array":
        return [sample(name, schema.get("items", {}), ids)]
    if kind == "boolean":
        return True
    if kind == "integer":
        return max(schema.get("minimum", 0), schema.get("exclusiveMinimum", 0) + 1)
    return f"{name} sample"[: schema.get("maxLength", 255)]


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = extract()["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def documented_body(operation: str, ids: Mapping[str, str]) -> dict[str, Any]:
    """Every property the document defines for the operation's request, valid against its schema."""
    schema = operations()[operation]["request"]
    body = {name: sample(name, child, ids) for name, child in _resolve(schema)["properties"].items()}
    errors = [error.message for error in validator(schema).iter_errors(body)]
    assert not errors, f"{operation}: the generated body is not a documented request: {errors}"
    return body


def unreturned(operation: str, sent: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """The sent properties the record read back does not show."""
    missing = []
    for name, value in sent.items():
        if name in WRITE_ONLY:
            ok = WRITE_ONLY[name](record, value)
        elif name in record:
            ok = _same(value, record[name])
        elif name.endswith("_id") and isinstance(record.get(name[:-3]), dict):
            ok = last_id(record[name[:-3]]["links"]["self"]) == str(value)
        else:
            ok = False
        if not ok:
            missing.append(f"{operation}: {name} sent {value!r}, read back {record.get(name, '(absent)')!r}")
    return missing


def _same(sent: Any, returned: Any) -> bool:
    """Equal, with times compared as instants and objects as a subset (the server may add fields)."""
    if isinstance(sent, dict):
        return isinstance(returned, dict) and all(_same(v, returned.get(k)) for k, v in sent.items())
    if isinstance(sent, list):
        return isinstance(returned, list) and len(sent) == len(returned) and all(map(_same, sent, returned))
    if isinstance(sent, str) and isinstance(returned, str) and "T" in sent and sent[:4].isdigit():
        return datetime.fromisoformat(sent) == datetime.fromisoformat(returned)
    return bool(sent == returned)


@dataclass
class Practice:
    """Real ids to send, found through the API (and the database, for an attendee)."""

    ids: dict[str, str]
    start: datetime


async def _practice(sandbox: ClinikoSandbox, client: httpx.AsyncClient, bookable: Bookable) -> Practice:
    template = (await client.get("/treatment_note_templates", params={"per_page": 1})).json()
    patient_id = await any_patient_id(client)
    ids = {
        "business_id": bookable.business_id,
        "practitioner_id": bookable.practitioner_id,
        "appointment_type_id": bookable.appointment_type_id,
        "patient_id": patient_id,
        "treatment_note_template_id": template["treatment_note_templates"][0]["id"],
        "attendee_id": await _an_attendee(sandbox, bookable),
        **dict.fromkeys(
            ("patient_case_id", "concession_type_id", "referring_doctor_id", "unavailable_block_type_id"),
            UNSERVED_RELATION_ID,
        ),
    }
    # A whole hour a week ahead (later than any seeded booking's day), on the bookable's business.
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=8)
    return Practice(ids, start)


async def _an_attendee(sandbox: ClinikoSandbox, bookable: Bookable) -> str:
    """An attendee of a group appointment: the seeded practice's, else one made for the test."""
    async with sandbox.database.writer() as session:
        found = await session.scalar(select(Attendee.id).order_by(Attendee.id).limit(1))
        if found is not None:
            return str(found)
        now = datetime.now(UTC).replace(microsecond=0)
        group = GroupAppointment(
            business_id=int(bookable.business_id),
            practitioner_id=int(bookable.practitioner_id),
            appointment_type_id=int(bookable.appointment_type_id),
            starts_at=now + timedelta(days=20),
            ends_at=now + timedelta(days=20, hours=1),
            max_attendees=5,
            created_at=now,
            updated_at=now,
        )
        session.add(group)
        await session.flush()
        patient_id = await session.scalar(select(Patient.id).order_by(Patient.id).limit(1))
        attendee = Attendee(
            group_appointment_id=group.id, patient_id=patient_id, arrived=False, created_at=now, updated_at=now
        )
        session.add(attendee)
        await session.commit()
        return str(attendee.id)


Flow = Callable[[ClinikoSandbox, httpx.AsyncClient, Practice], Awaitable[list[str]]]


async def _write_then_read(
    client: httpx.AsyncClient, operation: str, body: dict[str, Any], show: str, path: str | None = None
) -> list[str]:
    method, documented_path = operation.split(" ", 1)
    response = await client.request(method, path or documented_path, json=body)
    assert response.status_code in {200, 201}, f"{operation}: {response.status_code} {response.text}"
    record_id = response.json()["id"]
    read = await client.get(f"{show}/{record_id}")
    assert read.status_code == 200, read.text
    return unreturned(operation, body, read.json())


def _at(ids: Mapping[str, str], start: datetime) -> dict[str, str]:
    """The ids plus a 45-minute time from ``start``, for bodies that take one."""
    end = start + timedelta(minutes=45)
    return {**ids, "starts_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "ends_at": end.strftime("%Y-%m-%dT%H:%M:%SZ")}


async def _create_patient(sandbox: ClinikoSandbox, client: httpx.AsyncClient, practice: Practice) -> list[str]:
    body = documented_body("POST /patients", practice.ids)
    return await _write_then_read(client, "POST /patients", body, "/patients")


async def _update_patient(sandbox: ClinikoSandbox, client: httpx.AsyncClient, practice: Practice) -> list[str]:
    created = (await client.post("/patients", json={"first_name": "Pat", "last_name": "Plain"})).json()
    body = documented_body("PATCH /patients/{patient_id}", practice.ids)
    path = f"/patients/{created['id']}"
    return await _write_then_read(client, "PATCH /patients/{patient_id}", body, "/patients", path)


async def _create_appointment(sandbox: ClinikoSandbox, client: httpx.AsyncClient, practice: Practice) -> list[str]:
    body = documented_body("POST /individual_appointments", _at(practice.ids, practice.start))
    return await _write_then_read(client, "POST /individual_appointments", body, "/individual_appointments")


async def _plain_appointment(client: httpx.AsyncClient, practice: Practice, **extra: Any) -> dict[str, Any]:
    names = ("business_id", "practitioner_id", "appointment_type_id", "patient_id")
    body = {name: practice.ids[name] for name in names} | {"starts_at": _at({}, practice.start)["starts_at"]} | extra
    response = await client.post("/individual_appointments", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _update_appointment(sandbox: ClinikoSandbox, client: httpx.AsyncClient, practice: Practice) -> list[str]:
    appointment = await _plain_appointment(client, practice)
    operation = "PATCH /individual_appointments/{appointment_id}"
    body = documented_body(operation, _at(practice.ids, practice.start + timedelta(hours=2)))
    path = f"/individual_appointments/{appointment['id']}"
    return await _write_then_read(client, operation, body, "/individual_appointments", path)


async def _cancel_appointment(sandbox: ClinikoSandbox, client: httpx.AsyncClient, practice: Practice) -> list[str]:
    first = await _plain_appointment(client, practice, repeat_rule=OVERRIDES["repeat_rule"])
    operation = "PATCH /individual_appointments/{appointment_id}/cancel"
    body = documented_body(operation, practice.ids)
    response = await client.patch(f"/individual_appointments/{first['id']}/cancel", json=body)
    assert response.status_code == 204, response.text
    series = (
        await client.get(
            "/individual_appointments",
            params=[("q[]", "cancelled_at:*"), ("q[]", f"repeated_from_id:={first['id']}")],
        )
    ).json()["individual_appointments"]
    record = (await client.get(f"/individual_appointments/{first['id']}", params={"q[]": "cancelled_at:*"})).json()
    problems = unreturned(operation, {k: v for k, v in body.items() if k != "apply_to_repeats"}, record)
    if len(series) != 2 or any(repeat["cancelled_at"] is None for repeat in series):
        problems.append(f"{operation}: apply_to_repeats left repeats uncancelled: {series}")
    return problems


async def _create_note(sandbox: ClinikoSandbox, client: httpx.AsyncClient, practice: Practice) -> list[str]:
    appointment = await _plain_appointment(client, practice)
    ids = practice.ids | {"booking_id": appointment["id"]}
    return await _write_then_read(
        client, "POST /treatment_notes", documented_body("POST /treatment_notes", ids), "/treatment_notes"
    )


async def _update_note(sandbox: ClinikoSandbox, client: httpx.AsyncClient, practice: Practice) -> list[str]:
    appointment = await _plain_appointment(client, practice)
    note = (await client.post("/treatment_notes", json={"patient_id": practice.ids["patient_id"]})).json()
    operation = "PATCH /treatment_notes/{treatment_note_id}"
    body = documented_body(operation, practice.ids | {"booking_id": appointment["id"]})
    return await _write_then_read(client, operation, body, "/treatment_notes", f"/treatment_notes/{note['id']}")


async def _create_unavailable_block(
    sandbox: ClinikoSandbox, client: httpx.AsyncClient, practice: Practice
) -> list[str]:
    body = documented_body("POST /unavailable_blocks", _at(practice.ids, practice.start))
    return await _write_then_read(client, "POST /unavailable_blocks", body, "/unavailable_blocks")


async def _update_unavailable_block(
    sandbox: ClinikoSandbox, client: httpx.AsyncClient, practice: Practice
) -> list[str]:
    names = ("business_id", "practitioner_id")
    plain = {name: value for name, value in _at(practice.ids, practice.start).items() if name in names or "_at" in name}
    block = (await client.post("/unavailable_blocks", json=plain)).json()
    operation = "PATCH /unavailable_blocks/{unavailable_block_id}"
    body = documented_body(operation, _at(practice.ids, practice.start + timedelta(days=1)))
    return await _write_then_read(client, operation, body, "/unavailable_blocks", f"/unavailable_blocks/{block['id']}")


async def _create_availability_block(
    sandbox: ClinikoSandbox, client: httpx.AsyncClient, practice: Practice
) -> list[str]:
    body = documented_body("POST /availability_blocks", _at(practice.ids, practice.start))
    return await _write_then_read(client, "POST /availability_blocks", body, "/availability_blocks")


async def _create_attachment(sandbox: ClinikoSandbox, client: httpx.AsyncClient, practice: Practice) -> list[str]:
    patient_id = practice.ids["patient_id"]
    presigned = (await client.get(f"/patients/{patient_id}/attachment_presigned_post")).json()
    data = b"%PDF-1.4 documented fields\n%%EOF\n"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app)) as s3:
        uploaded = await s3.post(
            presigned["url"], data=presigned["fields"], files={"file": ("scan.pdf", data, "application/pdf")}
        )
    key = uploaded.text.split("<Key>", 1)[1].split("</Key>", 1)[0]
    ids = practice.ids | {"upload_url": presigned["url"] + key}
    body = documented_body("POST /patient_attachments", ids)
    problems = await _write_then_read(client, "POST /patient_attachments", body, "/patient_attachments")
    listed = (await client.get(f"/patients/{patient_id}/patient_attachments")).json()["patient_attachments"]
    content = await client.get(f"/patient_attachments/{listed[-1]['id']}/content")
    if content.content != data:
        problems.append("POST /patient_attachments: the uploaded file is not the attachment's content")
    return problems


FLOWS: dict[str, Flow] = {
    "POST /patients": _create_patient,
    "PATCH /patients/{patient_id}": _update_patient,
    "POST /individual_appointments": _create_appointment,
    "PATCH /individual_appointments/{appointment_id}": _update_appointment,
    "PATCH /individual_appointments/{appointment_id}/cancel": _cancel_appointment,
    "POST /treatment_notes": _create_note,
    "PATCH /treatment_notes/{treatment_note_id}": _update_note,
    "POST /unavailable_blocks": _create_unavailable_block,
    "PATCH /unavailable_blocks/{unavailable_block_id}": _update_unavailable_block,
    "POST /availability_blocks": _create_availability_block,
    "POST /patient_attachments": _create_attachment,
}


def test_every_documented_write_with_a_body_has_a_flow() -> None:
    documented = {name for name, entry in operations().items() if "request" in entry}
    assert documented - ELSEWHERE == set(FLOWS)


@pytest.mark.parametrize("operation", sorted(FLOWS))
async def test_every_documented_request_field_is_stored_and_returned(
    operation: str, sandbox: ClinikoSandbox, client: httpx.AsyncClient, bookable: Bookable
) -> None:
    practice = await _practice(sandbox, client, bookable)
    assert await FLOWS[operation](sandbox, client, practice) == []
