"""Availability by Acuity's rules: working hours, date edits, blocks, bookings, padding, notice, horizon."""

from __future__ import annotations

from datetime import date, timedelta

import httpx

from medley.sandbox.acuity.seed_data import (
    FOLLOW_UP,
    MASSAGE_60,
    NUTRITION_CHECK_IN,
    OKAFOR,
    RAMAN,
    WHITFIELD,
)
from tests.sandbox.acuity.conftest import NOW
from tests.sandbox.acuity.helpers import book, free_run, later, parse, times

TODAY = NOW.date()  # Wednesday 3 February 2027, 09:00 in Chicago
NEXT_MONDAY = TODAY + timedelta(days=5)


async def test_times_honour_the_minimum_notice(api: httpx.AsyncClient) -> None:
    offered = await times(api, FOLLOW_UP, OKAFOR, TODAY)
    assert offered, "Dr. Okafor works on Wednesdays"
    assert min(parse(t) for t in offered) >= NOW + timedelta(hours=2)
    too_soon = (NOW + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S%z")
    answer = await book(api, FOLLOW_UP, OKAFOR, too_soon)
    assert answer.status_code == 400 and answer.json()["error"] == "not_available_min_hours_in_advance"


async def test_nothing_is_offered_past_the_maximum_days_ahead(api: httpx.AsyncClient) -> None:
    far = NEXT_MONDAY + timedelta(weeks=9)  # beyond 60 days
    assert await times(api, FOLLOW_UP, OKAFOR, far) == []
    answer = await book(api, FOLLOW_UP, OKAFOR, f"{far.isoformat()}T10:00:00-0600")
    assert answer.status_code == 400 and answer.json()["error"] == "not_available_max_days_in_advance"


async def test_times_are_in_the_calendars_zone_and_step_by_the_automatic_interval(api: httpx.AsyncClient) -> None:
    offered = await times(api, NUTRITION_CHECK_IN, RAMAN, NEXT_MONDAY)
    assert offered and all(t.endswith("-0700") for t in offered)  # Denver
    # 30- and 45-minute services on this calendar: starts step by 15 minutes.
    assert {parse(t).minute % 15 for t in offered} == {0} and any(parse(t).minute in {15, 45} for t in offered)
    local_hours = {parse(t).hour for t in offered}
    assert local_hours <= set(range(8, 16)) and 12 not in local_hours  # 08:00–12:00 and 13:00–16:00
    in_chicago = await times(api, NUTRITION_CHECK_IN, RAMAN, NEXT_MONDAY, timezone="America/Chicago")
    assert {parse(t) for t in in_chicago} == {parse(t) for t in offered}
    assert all(t.endswith("-0600") for t in in_chicago)


async def test_a_date_edit_closes_a_day_and_a_block_removes_time(api: httpx.AsyncClient) -> None:
    assert await times(api, MASSAGE_60, WHITFIELD, date(2027, 2, 10)) == []  # Whitfield's day off
    thursday = await times(api, FOLLOW_UP, OKAFOR, date(2027, 2, 11))  # webinar 13:00–17:00
    assert thursday and all(parse(t).hour < 12 for t in thursday)
    dates = (await api.get("/availability/dates", params={"month": "2027-02", "appointmentTypeID": MASSAGE_60})).json()
    assert {"date": "2027-02-10"} not in dates and {"date": "2027-02-09"} in dates


async def test_a_booked_time_disappears_and_a_cancelled_one_frees_up(api: httpx.AsyncClient) -> None:
    start = await free_run(api, FOLLOW_UP, OKAFOR, NEXT_MONDAY, (30,))
    day = parse(start).date()
    booked = await book(api, FOLLOW_UP, OKAFOR, start)
    assert booked.status_code == 200, booked.text
    after_booking = await times(api, FOLLOW_UP, OKAFOR, day)
    assert start not in after_booking and later(start, 30) in after_booking
    check = await api.post(
        "/availability/check-times", json={"datetime": start, "appointmentTypeID": FOLLOW_UP, "calendarID": OKAFOR}
    )
    assert check.json()["valid"] is False and "not an available time slot" in check.json()["reason"]
    cancelled = await api.put(f"/appointments/{booked.json()['id']}/cancel", json={"cancelNote": "test"})
    assert cancelled.status_code == 200 and cancelled.json()["canceled"] is True
    assert start in await times(api, FOLLOW_UP, OKAFOR, day)


async def test_padding_after_a_booking_keeps_the_next_start_away(api: httpx.AsyncClient) -> None:
    # A 60-minute massage with 15 minutes of padding after it: the calendar is busy for 75 minutes.
    start = await free_run(api, MASSAGE_60, WHITFIELD, NEXT_MONDAY, (30, 60, 90))
    assert (await book(api, MASSAGE_60, WHITFIELD, start)).status_code == 200
    offered = await times(api, MASSAGE_60, WHITFIELD, parse(start).date())
    assert start not in offered and later(start, 30) not in offered
    assert later(start, 60) not in offered, "the padding, not the duration, holds 60–75"
    assert later(start, 90) in offered


async def test_ignoring_an_appointment_offers_its_own_time_again(api: httpx.AsyncClient) -> None:
    start = await free_run(api, FOLLOW_UP, OKAFOR, NEXT_MONDAY, (30,))
    booked = (await book(api, FOLLOW_UP, OKAFOR, start)).json()
    day = parse(start).date()
    assert start not in await times(api, FOLLOW_UP, OKAFOR, day)
    for spelling in ("ignoreAppointmentIDs[]", "ignoreAppointmentIDs"):
        assert start in await times(api, FOLLOW_UP, OKAFOR, day, **{spelling: booked["id"]})
