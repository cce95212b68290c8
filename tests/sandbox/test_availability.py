"""Online-booking availability: free slots follow working hours, bookings, time off and the account rules."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from medley.sandbox.cliniko.server import ClinikoSandbox
from medley.sandbox.cliniko.tables import AccountSetting
from medley.scheduling import day_segment
from tests.sandbox.emulator import Bookable, any_patient_id, available_starts, last_id, walk

INVALID_TIME_FRAME = {"message": "Invalid time frame definition. Please check from/to param limitations."}


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def _book(client: httpx.AsyncClient, bookable: Bookable, starts_at: str) -> dict[str, Any]:
    response = await client.post(
        "/individual_appointments",
        json={
            "starts_at": starts_at,
            "patient_id": await any_patient_id(client),
            "practitioner_id": bookable.practitioner_id,
            "appointment_type_id": bookable.appointment_type_id,
            "business_id": bookable.business_id,
        },
    )
    assert response.status_code == 201, response.text
    appointment: dict[str, Any] = response.json()
    return appointment


async def _set_account_setting(sandbox: ClinikoSandbox, key: str, value: Any) -> None:
    async with sandbox.database.writer() as session:
        await session.merge(AccountSetting(key=key, value=value))
        await session.commit()


async def test_a_booked_time_disappears_and_cancelling_brings_it_back(
    client: httpx.AsyncClient, bookable: Bookable
) -> None:
    before = await available_starts(client, bookable)
    taken = before[len(before) // 2]
    appointment = await _book(client, bookable, taken)
    during = await available_starts(client, bookable)
    assert taken not in during
    start = datetime.fromisoformat(taken)
    assert all(not start - bookable.duration < datetime.fromisoformat(s) < start + bookable.duration for s in during)
    cancelled = await client.patch(f"{appointment['links']['self']}/cancel", json={"cancellation_reason": 40})
    assert cancelled.status_code == 204
    assert await available_starts(client, bookable) == before


async def test_archiving_an_appointment_frees_its_time_too(client: httpx.AsyncClient, bookable: Bookable) -> None:
    before = await available_starts(client, bookable)
    appointment = await _book(client, bookable, before[0])
    assert before[0] not in await available_starts(client, bookable)
    await client.delete(appointment["links"]["self"])
    assert await available_starts(client, bookable) == before


async def test_slots_lie_in_working_hours_and_step_by_the_duration(
    client: httpx.AsyncClient, bookable: Bookable
) -> None:
    hours = await walk(
        client,
        f"/practitioners/{bookable.practitioner_id}/daily_availabilities",
        {"per_page": 100, "q[]": f"business_id:={bookable.business_id}"},
    )
    extra = await walk(
        client,
        "/availability_blocks",
        {
            "per_page": 100,
            "q[]": [f"practitioner_id:={bookable.practitioner_id}", f"business_id:={bookable.business_id}"],
        },
    )
    periods_by_weekday: dict[int, list[tuple[str, str]]] = {}
    for day in hours:
        assert 0 <= day["day_of_week"] <= 6
        periods_by_weekday.setdefault(day["day_of_week"], []).extend(
            (period["starts_at"], period["ends_at"]) for period in day["availabilities"]
        )
    starts = [datetime.fromisoformat(s) for s in await available_starts(client, bookable)]
    assert starts == sorted(starts)
    for start in starts:
        local_start, local_end = start.astimezone(bookable.zone), (start + bookable.duration).astimezone(bookable.zone)
        cliniko_weekday = local_start.isoweekday() % 7  # 0 = Sunday, as Cliniko counts
        in_hours = any(
            begin <= local_start.strftime("%H:%M") and local_end.strftime("%H:%M") <= end
            for begin, end in periods_by_weekday.get(cliniko_weekday, [])
        )
        in_extra = any(
            datetime.fromisoformat(block["starts_at"]) <= start
            and start + bookable.duration <= datetime.fromisoformat(block["ends_at"])
            for block in extra
        )
        assert in_hours or in_extra, f"{local_start} is outside working hours"
    for earlier, later in itertools.pairwise(starts):
        if earlier.astimezone(bookable.zone).date() == later.astimezone(bookable.zone).date():
            assert later - earlier >= bookable.duration


async def test_time_off_removes_the_slots_it_covers(client: httpx.AsyncClient, bookable: Bookable) -> None:
    starts = await available_starts(client, bookable)
    first_day = datetime.fromisoformat(starts[0]).astimezone(bookable.zone).date()
    day_start = datetime.combine(first_day, datetime.min.time(), bookable.zone)
    block = await client.post(
        "/unavailable_blocks",
        json={
            "business_id": bookable.business_id,
            "practitioner_id": bookable.practitioner_id,
            "starts_at": _z(day_start.astimezone(UTC)),
            "ends_at": _z((day_start + timedelta(days=1)).astimezone(UTC)),
            "notes": "Conference",
        },
    )
    assert block.status_code == 201, block.text
    remaining = await available_starts(client, bookable)
    assert remaining and all(datetime.fromisoformat(s).astimezone(bookable.zone).date() != first_day for s in remaining)


@pytest.mark.parametrize(
    "window",
    [
        {},
        {"from": "tomorrow", "to": "2030-01-01"},
        {"from": "2030-01-10", "to": "2030-01-09"},
        {"from": "2030-01-01", "to": "2030-01-08"},
        {"from": "2000-01-01", "to": "2000-01-02"},
        {"from": "2030-02-30", "to": "2030-03-01"},
    ],
)
async def test_a_bad_time_frame_is_400(client: httpx.AsyncClient, bookable: Bookable, window: dict[str, str]) -> None:
    response = await client.get(bookable.path + "/available_times", params=window)
    assert response.status_code == 400
    assert response.json() == INVALID_TIME_FRAME


async def test_the_window_may_span_seven_calendar_days_from_today(
    client: httpx.AsyncClient, bookable: Bookable
) -> None:
    today = datetime.now(bookable.zone).date()
    window = {"from": today.isoformat(), "to": (today + timedelta(days=6)).isoformat()}
    response = await client.get(bookable.path + "/available_times", params=window)
    assert response.status_code == 200
    assert all(
        datetime.fromisoformat(s["appointment_start"]) > datetime.now().astimezone()
        for s in response.json()["available_times"]
    )


async def test_combinations_online_booking_does_not_serve_are_404(
    client: httpx.AsyncClient, bookable: Bookable
) -> None:
    offline_types = (await client.get("/appointment_types", params={"q[]": "show_in_online_bookings:=false"})).json()
    archived_types = (await client.get("/appointment_types", params={"q[]": "archived_at:?"})).json()
    inactive = (await client.get("/practitioners/inactive")).json()["practitioners"]
    elsewhere = [
        business["id"]
        for business in (await client.get("/businesses")).json()["businesses"]
        if bookable.practitioner_id
        not in {
            p["id"] for p in (await client.get(f"/businesses/{business['id']}/practitioners")).json()["practitioners"]
        }
    ]
    b, p, t = bookable.business_id, bookable.practitioner_id, bookable.appointment_type_id
    combinations = [
        (b, p, offline_types["appointment_types"][0]["id"]),
        (b, p, archived_types["appointment_types"][0]["id"]),
        (b, inactive[0]["id"], t),
        (elsewhere[0], p, t),
        ("999999", p, t),
        (b, p, "not-a-type"),
    ]
    for business_id, practitioner_id, type_id in combinations:
        path = f"/businesses/{business_id}/practitioners/{practitioner_id}/appointment_types/{type_id}/available_times"
        response = await client.get(path, params=bookable.window)
        assert response.status_code == 404, path
        assert response.json() == {"status": "404", "error": "Not Found"}


async def test_next_available_time_is_the_first_slot_or_null(client: httpx.AsyncClient, bookable: Bookable) -> None:
    starts = await available_starts(client, bookable)
    response = await client.get(bookable.path + "/next_available_time", params=bookable.window)
    assert response.status_code == 200
    assert response.json()["appointment_start"] == starts[0]
    assert response.json()["links"]["self"].endswith(
        f"{bookable.path}/next_available_time?from={bookable.window['from']}&to={bookable.window['to']}"
    )
    # The official document makes from and to required here too (the legacy docs had no parameters).
    assert (await client.get(bookable.path + "/next_available_time")).json() == INVALID_TIME_FRAME
    only_from = await client.get(bookable.path + "/next_available_time", params={"from": bookable.window["from"]})
    assert only_from.status_code == 400
    window_start = datetime.combine(bookable.first_day, datetime.min.time(), bookable.zone)
    await client.post(
        "/unavailable_blocks",
        json={
            "business_id": bookable.business_id,
            "practitioner_id": bookable.practitioner_id,
            "starts_at": window_start.isoformat(),
            "ends_at": (window_start + timedelta(days=8)).isoformat(),
            "notes": "Leave",
        },
    )
    empty = await client.get(bookable.path + "/next_available_time", params=bookable.window)
    assert empty.status_code == 200 and empty.json()["appointment_start"] is None
    bad = await client.get(bookable.path + "/next_available_time", params={"from": "2000-01-01"})
    assert bad.status_code == 400 and bad.json() == INVALID_TIME_FRAME


async def test_minimum_notice_and_horizon_come_from_the_account(
    sandbox: ClinikoSandbox, client: httpx.AsyncClient, bookable: Bookable
) -> None:
    await _set_account_setting(sandbox, "online_bookings.min_hours_advance_required_to_book", 72)
    earliest = datetime.now().astimezone() + timedelta(hours=72)
    starts = await available_starts(client, bookable)
    assert starts and all(datetime.fromisoformat(s) >= earliest - timedelta(minutes=1) for s in starts)
    await _set_account_setting(sandbox, "online_bookings.allow_bookings_days_in_advance", 1)
    assert await available_starts(client, bookable) == []
    await _set_account_setting(sandbox, "online_bookings", {"enabled": False})
    assert (await client.get(bookable.path + "/available_times", params=bookable.window)).status_code == 404


async def test_daily_availabilities_by_practitioner_and_business(client: httpx.AsyncClient, bookable: Bookable) -> None:
    everything = await walk(client, "/daily_availabilities", {"per_page": 100})
    mine = await walk(client, f"/practitioners/{bookable.practitioner_id}/daily_availabilities", {"per_page": 100})
    here = await walk(client, f"/businesses/{bookable.business_id}/daily_availabilities", {"per_page": 100})
    assert {d["id"] for d in mine} == {
        d["id"] for d in everything if last_id(d["practitioner"]["links"]["self"]) == bookable.practitioner_id
    }
    assert {d["id"] for d in here} == {
        d["id"] for d in everything if last_id(d["business"]["links"]["self"]) == bookable.business_id
    }
    sample = here[0]
    assert sample["time_zone_identifier"] == str(bookable.zone)
    assert all(
        len(period["starts_at"]) == 5 and period["starts_at"] < period["ends_at"] for period in sample["availabilities"]
    )
    assert (await client.get(sample["links"]["self"])).json() == sample


def _segments(starts: list[str], bookable: Bookable) -> Counter[tuple[date, int]]:
    return Counter(day_segment(datetime.fromisoformat(start), bookable.zone) for start in starts)


async def test_a_cap_per_day_segment_shows_the_first_starts_of_each_morning_afternoon_and_evening(
    sandbox: ClinikoSandbox, client: httpx.AsyncClient, bookable: Bookable
) -> None:
    uncapped = await available_starts(client, bookable)
    assert max(_segments(uncapped, bookable).values()) > 1
    await _set_account_setting(sandbox, "online_bookings.max_appointments_per_day_segment", 1)
    capped = await available_starts(client, bookable)
    assert len(capped) <= 7 * 3
    assert set(_segments(capped, bookable).values()) == {1}
    assert set(_segments(capped, bookable)) == set(_segments(uncapped, bookable))
    # The first start of each segment is the one shown.
    firsts: dict[tuple[date, int], str] = {}
    for start in uncapped:
        firsts.setdefault(day_segment(datetime.fromisoformat(start), bookable.zone), start)
    assert capped == sorted(firsts.values())


async def test_a_daily_bookings_limit_closes_a_practitioners_full_days(
    sandbox: ClinikoSandbox, client: httpx.AsyncClient, bookable: Bookable
) -> None:
    before = await available_starts(client, bookable)
    first_day = datetime.fromisoformat(before[0]).astimezone(bookable.zone).date()
    await _set_account_setting(sandbox, "online_bookings.daily_bookings_limit", 1)
    limited = await available_starts(client, bookable)
    days_left = {datetime.fromisoformat(s).astimezone(bookable.zone).date() for s in limited}
    assert days_left < {datetime.fromisoformat(s).astimezone(bookable.zone).date() for s in before} or not days_left
    if first_day in days_left:  # a day with no appointment yet: one booking closes it
        await _book(client, bookable, before[0])
        after = await available_starts(client, bookable)
        assert all(datetime.fromisoformat(s).astimezone(bookable.zone).date() != first_day for s in after)
