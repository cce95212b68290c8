"""Individual appointments: Cliniko's create, update, cancel and archive, and its acceptance of overlaps."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx

from tests.sandbox.emulator import Bookable, any_patient_id, available_starts, last_id, walk


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def _book(client: httpx.AsyncClient, bookable: Bookable, starts_at: str, **extra: Any) -> httpx.Response:
    body = {
        "starts_at": starts_at,
        "patient_id": await any_patient_id(client),
        "practitioner_id": bookable.practitioner_id,
        "appointment_type_id": bookable.appointment_type_id,
        "business_id": bookable.business_id,
        **extra,
    }
    return await client.post("/individual_appointments", json=body)


async def test_creating_an_appointment_defaults_its_end_from_the_type(
    client: httpx.AsyncClient, bookable: Bookable
) -> None:
    start = (await available_starts(client, bookable))[0]
    response = await _book(client, bookable, start, notes="Prefers the window seat")
    assert response.status_code == 201
    appointment = response.json()
    assert response.headers["location"] == appointment["links"]["self"]
    assert appointment["starts_at"] == start
    assert _parse(appointment["ends_at"]) - _parse(start) == bookable.duration
    assert appointment["notes"] == "Prefers the window seat"
    assert appointment["cancelled_at"] is None and appointment["cancellation_reason_description"] is None
    assert last_id(appointment["practitioner"]["links"]["self"]) == bookable.practitioner_id
    patient = (await client.get(appointment["patient"]["links"]["self"])).json()
    assert appointment["patient_name"] == patient["label"]
    assert appointment["conflicts"]["links"]["self"].endswith(f"/individual_appointments/{appointment['id']}/conflicts")


async def test_ids_may_be_sent_as_numbers_and_ends_at_explicitly(client: httpx.AsyncClient, bookable: Bookable) -> None:
    start = _parse((await available_starts(client, bookable))[0])
    response = await client.post(
        "/individual_appointments",
        json={
            "starts_at": _z(start),
            "ends_at": _z(start + timedelta(minutes=10)),
            "patient_id": int(await any_patient_id(client)),
            "practitioner_id": int(bookable.practitioner_id),
            "appointment_type_id": int(bookable.appointment_type_id),
            "business_id": int(bookable.business_id),
        },
    )
    assert response.status_code == 201
    assert response.json()["ends_at"] == _z(start + timedelta(minutes=10))


async def test_an_invalid_appointment_is_422_and_nothing_is_written(
    client: httpx.AsyncClient, bookable: Bookable
) -> None:
    before = (await client.get("/individual_appointments", params={"per_page": 1})).json()["total_entries"]
    response = await client.post(
        "/individual_appointments",
        json={
            "patient_id": "999999999",
            "practitioner_id": bookable.practitioner_id,
            "business_id": bookable.business_id,
        },
    )
    assert response.status_code == 422
    assert response.json() == {
        "message": "Validation Failed",
        "errors": {"starts_at": "can’t be blank", "appointment_type": "must exist", "patient": "must exist"},
    }
    reversed_times = await _book(client, bookable, "2030-01-01T10:00:00Z", ends_at="2030-01-01T09:00:00Z")
    assert reversed_times.status_code == 422 and reversed_times.json()["errors"] == {
        "ends_at": "must be after starts_at"
    }
    after = (await client.get("/individual_appointments", params={"per_page": 1})).json()["total_entries"]
    assert after == before


async def test_rescheduling_recomputes_the_end(client: httpx.AsyncClient, bookable: Bookable) -> None:
    start = _parse((await available_starts(client, bookable))[0])
    appointment = (await _book(client, bookable, _z(start), ends_at=_z(start + timedelta(minutes=5)))).json()
    path = appointment["links"]["self"]
    moved = await client.patch(path, json={"starts_at": _z(start + timedelta(hours=1))})
    assert moved.status_code == 200
    assert moved.json()["ends_at"] == _z(start + timedelta(hours=1) + bookable.duration)
    shortened = (await client.patch(path, json={"ends_at": _z(start + timedelta(hours=1, minutes=20))})).json()
    assert shortened["ends_at"] == _z(start + timedelta(hours=1, minutes=20))
    reset = (await client.put(path, json={"ends_at": None, "notes": "moved"})).json()
    assert reset["ends_at"] == _z(start + timedelta(hours=1) + bookable.duration)
    assert reset["notes"] == "moved"


async def test_cancelling_hides_the_appointment_and_cannot_happen_twice(
    client: httpx.AsyncClient, bookable: Bookable
) -> None:
    appointment = (await _book(client, bookable, (await available_starts(client, bookable))[0])).json()
    path = appointment["links"]["self"]
    missing_reason = await client.patch(f"{path}/cancel", json={"cancellation_note": "no reason"})
    assert missing_reason.status_code == 422
    assert missing_reason.json()["errors"] == {"cancellation_reason": "can’t be blank"}
    unknown_reason = await client.patch(f"{path}/cancel", json={"cancellation_reason": 99})
    assert unknown_reason.json()["errors"] == {"cancellation_reason": "is not included in the list"}
    cancelled = await client.patch(
        f"{path}/cancel", json={"cancellation_reason": 50, "cancellation_note": "Moved away"}
    )
    assert cancelled.status_code == 204 and cancelled.content == b""
    assert (await client.get(path)).status_code == 404
    shown = (await client.get(path, params={"q[]": "cancelled_at:*"})).json()
    assert shown["cancellation_reason"] == 50
    assert shown["cancellation_reason_description"] == "Other"
    assert shown["cancellation_note"] == "Moved away" and shown["cancelled_at"] is not None
    again = await client.patch(f"{path}/cancel", json={"cancellation_reason": 10})
    assert again.status_code == 422
    assert again.json() == {
        "message": "Validation Failed",
        "errors": {"base": "Appointment has already been cancelled"},
    }
    moved = await client.patch(path, json={"starts_at": "2031-01-01T00:00:00Z"})
    assert moved.status_code == 422 and moved.json()["errors"] == {"base": "Appointment has already been cancelled"}


async def test_a_double_booking_is_accepted_and_reported_as_a_conflict(
    client: httpx.AsyncClient, bookable: Bookable
) -> None:
    start = (await available_starts(client, bookable))[0]
    first = (await _book(client, bookable, start)).json()
    assert (await client.get(first["conflicts"]["links"]["self"])).json() == {"conflicts": {"exist": False}}
    second = await _book(client, bookable, start)
    assert second.status_code == 201
    for appointment in (first, second.json()):
        assert (await client.get(appointment["conflicts"]["links"]["self"])).json() == {"conflicts": {"exist": True}}
    await client.patch(f"{second.json()['links']['self']}/cancel", json={"cancellation_reason": 50})
    assert (await client.get(first["conflicts"]["links"]["self"])).json() == {"conflicts": {"exist": False}}


async def test_an_unavailable_block_conflicts_with_an_appointment(
    client: httpx.AsyncClient, bookable: Bookable
) -> None:
    start = _parse((await available_starts(client, bookable))[0])
    appointment = (await _book(client, bookable, _z(start))).json()
    block = await client.post(
        "/unavailable_blocks",
        json={
            "business_id": bookable.business_id,
            "practitioner_id": bookable.practitioner_id,
            "starts_at": _z(start - timedelta(minutes=30)),
            "ends_at": _z(start + timedelta(minutes=1)),
            "notes": "Staff meeting",
        },
    )
    assert block.status_code == 201
    assert (await client.get(appointment["conflicts"]["links"]["self"])).json()["conflicts"]["exist"] is True
    assert (await client.get(block.json()["conflicts"]["links"]["self"])).json()["conflicts"]["exist"] is True
    assert (await client.delete(block.json()["links"]["self"])).status_code == 204
    assert (await client.get(appointment["conflicts"]["links"]["self"])).json()["conflicts"]["exist"] is False


async def test_archiving_hides_the_appointment(client: httpx.AsyncClient, bookable: Bookable) -> None:
    appointment = (await _book(client, bookable, (await available_starts(client, bookable))[0])).json()
    path = appointment["links"]["self"]
    assert (await client.delete(path)).status_code == 204
    assert (await client.get(path)).status_code == 404
    shown = (await client.get(path, params={"q[]": "archived_at:*"})).json()
    assert shown["archived_at"] is not None
    assert (await client.post(f"{path}/archive")).status_code == 204


async def test_bookings_mix_appointments_and_unavailable_blocks(client: httpx.AsyncClient) -> None:
    blocks = (await client.get("/unavailable_blocks")).json()["unavailable_blocks"]
    practitioner_id = last_id(blocks[0]["practitioner"]["links"]["self"])
    bookings = await walk(client, "/bookings", {"per_page": 100, "q[]": f"practitioner_id:={practitioner_id}"})
    # Kinds are told apart by shape: every item links to itself as a booking, as Cliniko's do.
    assert all(item["links"]["self"].endswith(f"/v1/bookings/{item['id']}") for item in bookings)
    appointments = await walk(
        client, "/individual_appointments", {"per_page": 100, "q[]": f"practitioner_id:={practitioner_id}"}
    )
    assert {item["id"] for item in bookings if "patient" in item} == {a["id"] for a in appointments}
    assert {item["id"] for item in bookings if "patient" not in item} >= {block["id"] for block in blocks[:1]}
    patient_url = appointments[0]["patient"]["links"]["self"]
    mine = await walk(client, "/bookings", {"per_page": 100, "q[]": f"patient_ids:~{last_id(patient_url)}"})
    assert mine and all(item["patient"]["links"]["self"] == patient_url for item in mine)
    shown = await client.get(f"/bookings/{appointments[0]['id']}")
    assert shown.status_code == 200 and shown.json()["links"]["self"].endswith(f"/v1/bookings/{appointments[0]['id']}")
    assert {key: value for key, value in shown.json().items() if key != "links"} == {
        key: value for key, value in appointments[0].items() if key != "links"
    }


async def test_twenty_clients_booking_at_once_all_get_written(client: httpx.AsyncClient, bookable: Bookable) -> None:
    """Cliniko accepts the race (no double-booking guard); the store must not fail under it either."""
    start = (await available_starts(client, bookable))[0]
    responses = await asyncio.gather(*(_book(client, bookable, start) for _ in range(20)))
    assert [response.status_code for response in responses] == [201] * 20
    ids = {response.json()["id"] for response in responses}
    assert len(ids) == 20
    conflicts = await asyncio.gather(*(client.get(f"/individual_appointments/{i}/conflicts") for i in ids))
    assert all(answer.json() == {"conflicts": {"exist": True}} for answer in conflicts)
