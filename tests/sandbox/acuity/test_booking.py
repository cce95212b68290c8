"""Booking in client mode and as an admin: double bookings, class seats, races, rescheduling, cancelling."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from medley.sandbox.acuity.seed_data import FOLLOW_UP, OKAFOR, YOGA_CLASS
from medley.sandbox.acuity.server import AcuitySandbox
from tests.sandbox.acuity.conftest import NOW, AcuityFactory, client_for
from tests.sandbox.acuity.helpers import book, free_run, later, parse, times

NEXT_MONDAY = NOW.date() + timedelta(days=5)


async def test_a_double_booking_is_refused_in_client_mode_and_accepted_as_admin(api: httpx.AsyncClient) -> None:
    start = await free_run(api, FOLLOW_UP, OKAFOR, NEXT_MONDAY, ())
    first = await book(api, FOLLOW_UP, OKAFOR, start)
    assert first.status_code == 200
    row = first.json()
    assert (row["datetime"], row["calendarID"], row["appointmentTypeID"], row["duration"]) == (
        start,
        OKAFOR,
        FOLLOW_UP,
        "30",
    )
    second = await book(api, FOLLOW_UP, OKAFOR, start, email="someone.else@example.com")
    assert second.status_code == 400
    assert second.json() == {
        "status_code": 400,
        "message": f'The time "{start}" is not an available time slot.',
        "error": "not_available",
    }
    admin = await book(api, FOLLOW_UP, OKAFOR, start, admin=True, email="")
    assert admin.status_code == 200 and admin.json()["datetime"] == start
    listed = (
        await api.get("/appointments", params={"calendarID": OKAFOR, "minDate": start[:10], "maxDate": start[:10]})
    ).json()
    assert sum(1 for r in listed if r["datetime"] == start) == 2


async def test_client_mode_needs_an_email_and_admin_mode_needs_a_calendar(api: httpx.AsyncClient) -> None:
    start = await free_run(api, FOLLOW_UP, OKAFOR, NEXT_MONDAY, ())
    no_email = await book(api, FOLLOW_UP, OKAFOR, start, email="")
    assert no_email.json()["error"] == "required_email"
    bad = await api.post(
        "/appointments",
        params={"admin": "true"},
        json={"datetime": start, "appointmentTypeID": FOLLOW_UP, "firstName": "A", "lastName": "B"},
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_calendar"
    unknown_type = await book(api, 12345, OKAFOR, start)
    assert unknown_type.json()["error"] == "invalid_appointment_type"
    bad_time = await book(api, FOLLOW_UP, OKAFOR, "asdf")
    assert bad_time.json() == {
        "status_code": 400,
        "message": 'The datetime "asdf" is invalid.',
        "error": "invalid_datetime",
    }


async def test_a_time_without_an_offset_is_read_in_the_calendars_zone(api: httpx.AsyncClient) -> None:
    start = await free_run(api, FOLLOW_UP, OKAFOR, NEXT_MONDAY, ())
    booked = await book(api, FOLLOW_UP, OKAFOR, start[:19])  # "2027-02-08T10:00:00", no offset
    assert booked.status_code == 200 and booked.json()["datetime"] == start


async def test_class_seats_fill_up(api: httpx.AsyncClient) -> None:
    classes = (await api.get("/availability/classes", params={"month": "2027-02"})).json()
    session = next(
        c for c in classes if c["appointmentTypeID"] == YOGA_CLASS and parse(c["time"]) > NOW + timedelta(days=2)
    )
    seats = session["slotsAvailable"]
    assert 0 < seats < session["slots"] == 8
    for seat in range(seats):
        taken = await book(api, YOGA_CLASS, session["calendarID"], session["time"], email=f"yogi{seat}@example.com")
        assert taken.status_code == 200, taken.text
        assert taken.json()["classID"] == session["id"]
    full = await book(api, YOGA_CLASS, session["calendarID"], session["time"], email="late@example.com")
    assert full.status_code == 400 and full.json()["error"] == "not_available"
    still_listed = (await api.get("/availability/classes", params={"month": "2027-02"})).json()
    assert session["id"] not in {c["id"] for c in still_listed}
    everything = (
        await api.get("/availability/classes", params={"month": "2027-02", "includeUnavailable": "true"})
    ).json()
    assert next(c for c in everything if c["id"] == session["id"])["slotsAvailable"] == 0


async def test_racing_for_one_slot_books_it_exactly_once(make_acuity: AcuityFactory) -> None:
    async with make_acuity() as sandbox, client_for(sandbox) as api:
        start = await free_run(api, FOLLOW_UP, OKAFOR, NEXT_MONDAY, ())
        answers = await asyncio.gather(
            *(book(api, FOLLOW_UP, OKAFOR, start, email=f"racer{n}@example.com") for n in range(8))
        )
    assert sorted(answer.status_code for answer in answers) == [200] + [400] * 7
    assert {a.json()["error"] for a in answers if a.status_code == 400} == {"not_available"}


async def test_rescheduling_moves_the_appointment_and_respects_availability(api: httpx.AsyncClient) -> None:
    start = await free_run(api, FOLLOW_UP, OKAFOR, NEXT_MONDAY, (30,))
    booked = (await book(api, FOLLOW_UP, OKAFOR, start)).json()
    moved = await api.put(f"/appointments/{booked['id']}/reschedule", json={"datetime": later(start, 30)})
    assert moved.status_code == 200 and moved.json()["id"] == booked["id"]
    assert moved.json()["datetime"] == later(start, 30)
    day = parse(start).date()
    offered = await times(api, FOLLOW_UP, OKAFOR, day)
    assert start in offered and later(start, 30) not in offered
    other = await free_run(api, FOLLOW_UP, OKAFOR, day + timedelta(days=1), ())
    blocker = (await book(api, FOLLOW_UP, OKAFOR, other, email="blocker@example.com")).json()
    refused = await api.put(f"/appointments/{booked['id']}/reschedule", json={"datetime": blocker["datetime"]})
    assert refused.status_code == 400 and refused.json()["error"] == "not_available"


async def test_client_rules_for_cancelling_and_what_a_cancel_leaves(acuity: AcuitySandbox) -> None:
    async with client_for(acuity) as api:
        soon = (
            await api.get(
                "/appointments",
                params={"minDate": NOW.date().isoformat(), "maxDate": NOW.date().isoformat(), "direction": "ASC"},
            )
        ).json()
        upcoming = next(row for row in soon if parse(row["datetime"]) > NOW)
        assert upcoming["canClientCancel"] is False
        too_close = await api.put(f"/appointments/{upcoming['id']}/cancel", json={})
        assert too_close.json()["error"] == "cancel_too_close"
        as_admin = await api.put(
            f"/appointments/{upcoming['id']}/cancel", params={"admin": "true"}, json={"noShow": True}
        )
        assert as_admin.status_code == 200 and as_admin.json()["canceled"] is True and as_admin.json()["noShow"] is True
        again = await api.put(f"/appointments/{upcoming['id']}/cancel", params={"admin": "true"})
        assert again.status_code == 200
        moved = await api.put(
            f"/appointments/{upcoming['id']}/reschedule",
            params={"admin": "true"},
            json={"datetime": upcoming["datetime"]},
        )
        assert moved.json()["error"] == "reschedule_canceled"
        assert upcoming["id"] not in {r["id"] for r in (await api.get("/appointments", params={"max": 1000})).json()}
        shown = (await api.get("/appointments", params={"max": 1000, "showall": "true"})).json()
        assert upcoming["id"] in {r["id"] for r in shown}


async def test_editing_details_ignores_everything_but_the_whitelist(api: httpx.AsyncClient) -> None:
    start = await free_run(api, FOLLOW_UP, OKAFOR, NEXT_MONDAY, ())
    booked = (await book(api, FOLLOW_UP, OKAFOR, start)).json()
    edited = await api.put(
        f"/appointments/{booked['id']}",
        json={"phone": "(312) 555-0142", "datetime": "2030-01-01T10:00:00", "notes": "x"},
    )
    assert edited.status_code == 200
    assert (edited.json()["phone"], edited.json()["datetime"], edited.json()["notes"]) == ("(312) 555-0142", start, "")
    as_admin = await api.put(f"/appointments/{booked['id']}", params={"admin": "true"}, json={"notes": "Seen by admin"})
    assert as_admin.json()["notes"] == "Seen by admin"


async def test_clients_are_searched_and_created_and_a_booking_keeps_one(api: httpx.AsyncClient) -> None:
    found = (await api.get("/clients", params={"search": "marq"})).json()
    assert [(c["firstName"], c["lastName"]) for c in found] == [("Elena", "Marquez")]
    assert "id" not in found[0]
    created = await api.post(
        "/clients", json={"firstName": "Ada", "lastName": "Quill", "email": "ada.quill@example.com"}
    )
    assert created.status_code == 200 and created.json()["email"] == "ada.quill@example.com"
    assert (await api.post("/clients", json={"lastName": "Only"})).json()["error"] == "required_first_name"
    start = await free_run(api, FOLLOW_UP, OKAFOR, NEXT_MONDAY, ())
    await book(api, FOLLOW_UP, OKAFOR, start, firstName="Newt", lastName="Booker", email="newt.booker@example.com")
    assert [c["email"] for c in (await api.get("/clients", params={"search": "booker"})).json()] == [
        "newt.booker@example.com"
    ]
