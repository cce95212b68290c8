"""Group appointments (classes) and their attendees, as Cliniko's document defines them, over HTTP.

The seeded practice holds a weekly class; ``/bookings`` lists classes beside individual appointments and
time off, every item linking to ``/bookings/{id}``; a class is busy time for ``available_times`` and for
``/conflicts``; attendees fill a class seat by seat and cancel one by one.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.sandbox.conftest import SandboxFactory
from tests.sandbox.emulator import (
    Bookable,
    MutableClock,
    available_starts,
    client_for,
    last_id,
    walk,
)

ALL = ("q[]", "archived_at:*")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def _class_type(client: httpx.AsyncClient) -> dict[str, Any]:
    types = await walk(client, "/appointment_types")
    return next(kind for kind in types if kind["max_attendees"] > 1)


async def _patients(client: httpx.AsyncClient, count: int) -> list[str]:
    listed = (await client.get("/patients", params={"per_page": count})).json()["patients"]
    return [patient["id"] for patient in listed]


async def _new_class(client: httpx.AsyncClient, bookable: Bookable, starts_at: str, **fields: Any) -> dict[str, Any]:
    body = {
        "starts_at": starts_at,
        "practitioner_id": bookable.practitioner_id,
        "business_id": bookable.business_id,
        "appointment_type_id": (await _class_type(client))["id"],
        **fields,
    }
    response = await client.post("/group_appointments", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


# --- the seeded class ------------------------------------------------------------------------------------


async def test_the_practice_runs_a_weekly_class_with_attendees(client: httpx.AsyncClient) -> None:
    every = await walk(client, "/group_appointments", [ALL])
    visible = await walk(client, "/group_appointments")
    archived = [group for group in every if group["archived_at"] is not None]
    assert len(every) >= 6 and len(archived) == 1, "a called-off occurrence is archived (deleted), not cancelled"
    assert {group["id"] for group in visible} == {group["id"] for group in every} - {archived[0]["id"]}
    starts = sorted(_at(group["starts_at"]) for group in every)
    assert all(
        later - earlier in (timedelta(days=7), timedelta(days=7, hours=1), timedelta(days=7, hours=-1))
        for earlier, later in itertools.pairwise(starts)
    ), "weekly (across a DST change)"
    first = min(every, key=lambda group: group["starts_at"])
    assert all(last_id(group["repeated_from"]["links"]["self"]) == first["id"] for group in every if group is not first)
    assert first["repeat_rule"]["repeat_type"] == "Weekly" and "repeated_from" not in first
    for group in visible:
        assert 3 <= len(group["patient_ids"]) <= group["max_attendees"]
        assert "patient" not in group
    assert any(len(group["patient_ids"]) == group["max_attendees"] for group in visible), "one class is full"
    cancelled = await walk(client, "/attendees", [("q[]", "cancelled_at:?")])
    assert cancelled and all(seat["cancellation_reason_description"] for seat in cancelled)
    for seat in cancelled:
        group_id = last_id(seat["booking"]["links"]["self"])
        holder = next(group for group in every if group["id"] == group_id)
        assert (
            last_id(seat["patient"]["links"]["self"]) not in holder["patient_ids"]
            or len([s for s in cancelled if s["booking"] == seat["booking"]]) > 1
        )


async def test_a_class_is_found_by_its_attendees(client: httpx.AsyncClient) -> None:
    group = (await client.get("/group_appointments")).json()["group_appointments"][0]
    patient_id = group["patient_ids"][0]
    found = await walk(client, "/group_appointments", [("q[]", f"patient_ids:~{patient_id}")])
    assert group["id"] in {g["id"] for g in found}
    assert all(patient_id in g["patient_ids"] for g in found)
    seats = await walk(client, "/attendees", [("q[]", f"booking_id:={group['id']}")])
    assert sorted(last_id(seat["patient"]["links"]["self"]) for seat in seats) == sorted(group["patient_ids"])
    nested = await walk(client, f"/group_appointments/{group['id']}/attendees")
    assert [seat["id"] for seat in nested] == [seat["id"] for seat in seats]
    bad = await client.get("/attendees", params={"q[]": "practitioner_id:=1"})
    assert bad.status_code == 400 and bad.json()["message"].startswith("Invalid search")


# --- /bookings -------------------------------------------------------------------------------------------


async def test_bookings_list_classes_beside_appointments_and_every_item_links_to_bookings(
    client: httpx.AsyncClient,
) -> None:
    group = (await client.get("/group_appointments")).json()["group_appointments"][0]
    practitioner_id = last_id(group["practitioner"]["links"]["self"])
    day_start = _at(group["starts_at"]) - timedelta(hours=12)
    window = [
        ("q[]", f"practitioner_id:={practitioner_id}"),
        ("q[]", f"starts_at:>={_z(day_start)}"),
        ("q[]", f"starts_at:<{_z(day_start + timedelta(days=1))}"),
    ]
    bookings = await walk(client, "/bookings", window)
    listed = next(item for item in bookings if item["id"] == group["id"])
    assert listed["patient_ids"] == group["patient_ids"] and listed["max_attendees"] == group["max_attendees"]
    assert "patient" not in listed
    assert any("patient" in item for item in bookings), "the practitioner's individual appointments that day too"
    for item in bookings:
        assert item["links"]["self"].endswith(f"/v1/bookings/{item['id']}")
        shown = await client.get(item["links"]["self"])
        assert shown.status_code == 200 and shown.json()["id"] == item["id"]
        assert shown.json()["links"]["self"] == item["links"]["self"]
    by_patient = await walk(client, "/bookings", [("q[]", f"patient_ids:~{group['patient_ids'][0]}")])
    assert group["id"] in {item["id"] for item in by_patient}


async def test_an_archived_class_leaves_bookings_unless_asked_for(client: httpx.AsyncClient) -> None:
    archived = (await client.get("/group_appointments", params={"q[]": "archived_at:?"})).json()
    group_id = archived["group_appointments"][0]["id"]
    assert (await client.get(f"/bookings/{group_id}")).status_code == 404
    assert (await client.get(f"/group_appointments/{group_id}")).status_code == 404
    assert (await client.get(f"/bookings/{group_id}", params={"q[]": "archived_at:*"})).status_code == 200
    listed = await walk(client, "/bookings", [("q[]", f"id:={group_id}"), ALL])
    assert [item["id"] for item in listed] == [group_id]


# --- busy time ---------------------------------------------------------------------------------------------


async def test_a_class_is_busy_time_for_available_times_and_conflicts(
    client: httpx.AsyncClient, bookable: Bookable
) -> None:
    starts = await available_starts(client, bookable)
    group = await _new_class(client, bookable, starts[0])
    taken = (_at(group["starts_at"]), _at(group["ends_at"]))
    after = await available_starts(client, bookable)
    overlapping = [s for s in after if _at(s) < taken[1] and _at(s) + bookable.duration > taken[0]]
    assert overlapping == [] and starts[0] not in after
    patient_id = (await _patients(client, 1))[0]
    appointment = await client.post(
        "/individual_appointments",
        json={
            "starts_at": starts[0],
            "patient_id": patient_id,
            "practitioner_id": bookable.practitioner_id,
            "appointment_type_id": bookable.appointment_type_id,
            "business_id": bookable.business_id,
        },
    )
    conflicts = await client.get(f"/individual_appointments/{appointment.json()['id']}/conflicts")
    assert conflicts.json() == {"conflicts": {"exist": True}}
    class_conflicts = await client.get(f"/group_appointments/{group['id']}/conflicts")
    assert class_conflicts.json() == {"conflicts": {"exist": True}}
    assert (await client.post(f"/group_appointments/{group['id']}/archive")).status_code == 204
    assert (await client.get(f"/individual_appointments/{appointment.json()['id']}/conflicts")).json() == {
        "conflicts": {"exist": False}
    }


# --- writes ------------------------------------------------------------------------------------------------


async def test_a_class_takes_its_types_length_and_seats_unless_told(
    client: httpx.AsyncClient, bookable: Bookable
) -> None:
    kind = await _class_type(client)
    starts_at = _z(datetime.combine(bookable.last_day, datetime.min.time(), bookable.zone) + timedelta(hours=6))
    group = await _new_class(client, bookable, starts_at)
    assert _at(group["ends_at"]) - _at(group["starts_at"]) == timedelta(minutes=kind["duration_in_minutes"])
    assert group["max_attendees"] == kind["max_attendees"] and group["patient_ids"] == []
    moved = await client.patch(
        f"/group_appointments/{group['id']}",
        json={"starts_at": _z(_at(starts_at) + timedelta(hours=1)), "max_attendees": 3, "notes": "Moved"},
    )
    assert moved.status_code == 200
    assert moved.json()["max_attendees"] == 3 and moved.json()["notes"] == "Moved"
    assert _at(moved.json()["ends_at"]) - _at(moved.json()["starts_at"]) == timedelta(
        minutes=kind["duration_in_minutes"]
    )


async def test_a_repeat_rule_makes_the_repeats(client: httpx.AsyncClient, bookable: Bookable) -> None:
    starts_at = _z(datetime.combine(bookable.first_day, datetime.min.time(), bookable.zone) + timedelta(hours=6))
    rule = {"repeat_type": "Weekly", "repeating_interval": 1, "number_of_repeats": 2}
    first = await _new_class(client, bookable, starts_at, repeat_rule=rule)
    repeats = await walk(client, "/group_appointments", [("q[]", f"repeated_from_id:={first['id']}")])
    assert [_at(r["starts_at"]).astimezone(bookable.zone).time() for r in repeats] == [
        _at(starts_at).astimezone(bookable.zone).time()
    ] * 2
    assert sorted(_at(r["starts_at"]).date() - _at(starts_at).date() for r in repeats) == [
        timedelta(weeks=1),
        timedelta(weeks=2),
    ]


async def test_bad_classes_get_clinikos_422(client: httpx.AsyncClient, bookable: Bookable) -> None:
    empty = await client.post("/group_appointments", json={})
    assert empty.status_code == 422
    assert empty.json()["errors"] == {
        "starts_at": "can’t be blank",
        "practitioner": "must exist",
        "appointment_type": "must exist",
        "business": "must exist",
    }
    starts_at = _z(datetime.combine(bookable.last_day, datetime.min.time(), bookable.zone) + timedelta(hours=6))
    for seats, message in ((1, "must be greater than 1"), (100, "must be less than 100")):
        response = await client.post(
            "/group_appointments",
            json={
                "starts_at": starts_at,
                "practitioner_id": bookable.practitioner_id,
                "business_id": bookable.business_id,
                "appointment_type_id": (await _class_type(client))["id"],
                "max_attendees": seats,
            },
        )
        assert response.status_code == 422 and response.json()["errors"] == {"max_attendees": message}


async def test_attendees_fill_a_class_seat_by_seat_and_cancel_one_by_one(
    make_sandbox: SandboxFactory, bookable: Bookable
) -> None:
    clock = MutableClock()
    async with make_sandbox(clock=clock) as sandbox, client_for(sandbox) as client:
        starts_at = _z(datetime.combine(bookable.last_day, datetime.min.time(), bookable.zone) + timedelta(hours=6))
        group = await _new_class(client, bookable, starts_at, max_attendees=2)
        first, second, third = await _patients(client, 3)
        clock.advance(timedelta(minutes=1))
        seat = await client.post("/attendees", json={"booking_id": group["id"], "patient_id": first})
        assert seat.status_code == 201, seat.text
        assert last_id(seat.json()["booking"]["links"]["self"]) == group["id"]
        again = await client.post("/attendees", json={"booking_id": group["id"], "patient_id": first})
        assert again.status_code == 422 and again.json()["errors"] == {"patient": "has already been taken"}
        assert (await client.post("/attendees", json={"booking_id": group["id"], "patient_id": second})).is_success
        full = await client.post("/attendees", json={"booking_id": group["id"], "patient_id": third})
        assert full.status_code == 422 and full.json()["errors"] == {"base": "The group appointment is full"}
        seated = (await client.get(f"/group_appointments/{group['id']}")).json()
        assert seated["patient_ids"] == [first, second]
        assert _at(seated["updated_at"]) > _at(group["updated_at"]), "a new seat touches the class"

        clock.advance(timedelta(minutes=1))
        path = f"/attendees/{seat.json()['id']}"
        no_reason = await client.patch(path + "/cancel", json={})
        assert no_reason.status_code == 422 and no_reason.json()["errors"] == {"cancellation_reason": "can’t be blank"}
        assert (await client.patch(path + "/cancel", json={"cancellation_reason": 30})).status_code == 204
        twice = await client.patch(path + "/cancel", json={"cancellation_reason": 30})
        assert twice.status_code == 422
        assert (await client.get(path)).status_code == 404, "a cancelled attendee is hidden like an appointment"
        cancelled = (await client.get(path, params={"q[]": "cancelled_at:*"})).json()
        assert cancelled["cancellation_reason_description"] == "Sick"
        after = (await client.get(f"/group_appointments/{group['id']}")).json()
        assert after["patient_ids"] == [second] and _at(after["updated_at"]) > _at(seated["updated_at"])
        since = [("q[]", f"updated_at:>{seated['updated_at']}"), ("q[]", f"id:={group['id']}")]
        assert [item["id"] for item in await walk(client, "/bookings", since)] == [group["id"]]
        rejoin = await client.post("/attendees", json={"booking_id": group["id"], "patient_id": third})
        assert rejoin.status_code == 201, "the freed seat is taken again"


async def test_attendee_writes_are_checked(client: httpx.AsyncClient, bookable: Bookable) -> None:
    empty = await client.post("/attendees", json={})
    assert empty.status_code == 422 and empty.json()["errors"] == {"booking": "must exist", "patient": "must exist"}
    archived = (await client.get("/group_appointments", params={"q[]": "archived_at:?"})).json()
    patient_id = (await _patients(client, 1))[0]
    to_deleted = await client.post(
        "/attendees", json={"booking_id": archived["group_appointments"][0]["id"], "patient_id": patient_id}
    )
    assert to_deleted.status_code == 422 and to_deleted.json()["errors"] == {"booking": "must exist"}
    starts = await available_starts(client, bookable)
    group = await _new_class(client, bookable, starts[-1])
    seat = (await client.post("/attendees", json={"booking_id": group["id"], "patient_id": patient_id})).json()
    updated = await client.patch(f"/attendees/{seat['id']}", json={"arrived": True, "notes": "Came early"})
    assert updated.json()["arrived"] is True and updated.json()["notes"] == "Came early"
    assert (await client.delete(f"/attendees/{seat['id']}")).status_code == 204
    assert (await client.get(f"/group_appointments/{group['id']}")).json()["patient_ids"] == []


async def test_cancelling_with_apply_to_repeats_frees_the_later_classes_too(
    client: httpx.AsyncClient, bookable: Bookable
) -> None:
    starts_at = _z(datetime.combine(bookable.first_day, datetime.min.time(), bookable.zone) + timedelta(hours=6))
    rule = {"repeat_type": "Weekly", "repeating_interval": 1, "number_of_repeats": 2}
    first = await _new_class(client, bookable, starts_at, repeat_rule=rule)
    series = [first, *await walk(client, "/group_appointments", [("q[]", f"repeated_from_id:={first['id']}")])]
    patient_id = (await _patients(client, 1))[0]
    seats = [
        (await client.post("/attendees", json={"booking_id": group["id"], "patient_id": patient_id})).json()
        for group in series
    ]
    cancel = await client.patch(
        f"/attendees/{seats[1]['id']}/cancel", json={"cancellation_reason": 40, "apply_to_repeats": True}
    )
    assert cancel.status_code == 204
    after = [(await client.get(f"/group_appointments/{group['id']}")).json()["patient_ids"] for group in series]
    assert after == [[patient_id], [], []]
