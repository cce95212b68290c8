"""The sandbox-only control route: online-booking settings set outside Cliniko's API, read back through it."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import httpx

from medley.sandbox.cliniko.server import ClinikoSandbox
from medley.sandbox.cliniko.tables import AccountSetting
from medley.scheduling import day_segment
from tests.sandbox.emulator import Bookable, available_starts

CONTROL = "http://cliniko.test/control/settings/online_bookings"


async def _online_bookings(client: httpx.AsyncClient) -> dict[str, object]:
    response = await client.get("/settings/public")
    assert response.status_code == 200, response.text
    section: dict[str, object] = response.json()["online_bookings"]
    return section


def _segments(starts: list[str], bookable: Bookable) -> Counter[tuple[date, int]]:
    return Counter(day_segment(datetime.fromisoformat(start), bookable.zone) for start in starts)


async def test_caps_set_through_the_control_route_show_in_public_settings_and_thin_available_times(
    client: httpx.AsyncClient, bookable: Bookable
) -> None:
    uncapped = await available_starts(client, bookable)
    response = await client.patch(CONTROL, json={"max_appointments_per_day_segment": 1, "daily_bookings_limit": 99})
    assert response.status_code == 200, response.text
    assert response.json()["max_appointments_per_day_segment"] == 1
    shown = await _online_bookings(client)
    assert (shown["max_appointments_per_day_segment"], shown["daily_bookings_limit"]) == (1, 99)
    assert shown["enabled"] is True  # the rest of the section is kept
    capped = await available_starts(client, bookable)
    assert set(_segments(capped, bookable).values()) == {1} and set(capped) < set(uncapped)
    assert set(_segments(capped, bookable)) == set(_segments(uncapped, bookable))

    # One value at a time: the cap set before stays.
    assert (await client.patch(CONTROL, json={"daily_bookings_limit": 1})).status_code == 200
    assert (await _online_bookings(client))["max_appointments_per_day_segment"] == 1
    limited = await available_starts(client, bookable)
    assert set(limited) < set(capped) or not limited


async def test_a_new_value_wins_over_an_older_single_value_row(
    sandbox: ClinikoSandbox, client: httpx.AsyncClient
) -> None:
    async with sandbox.database.writer() as session:
        await session.merge(AccountSetting(key="online_bookings.daily_bookings_limit", value=1))
        await session.commit()
    assert (await _online_bookings(client))["daily_bookings_limit"] == 1
    assert (await client.patch(CONTROL, json={"daily_bookings_limit": 3})).status_code == 200
    assert (await _online_bookings(client))["daily_bookings_limit"] == 3


async def test_bad_values_are_refused_with_clinikos_422_and_change_nothing(client: httpx.AsyncClient) -> None:
    before = await _online_bookings(client)
    response = await client.patch(
        CONTROL,
        json={
            "max_appointments_per_day_segment": -1,
            "daily_bookings_limit": 1.5,
            "enabled": "yes",
            "policy": 3,
            "no_such_setting": 1,
            "min_hours_advance_required_to_book": 2,
        },
    )
    assert response.status_code == 422
    assert response.json() == {
        "message": "Validation Failed",
        "errors": {
            "max_appointments_per_day_segment": "must be a whole number, 0 or more",
            "daily_bookings_limit": "must be a whole number, 0 or more",
            "enabled": "must be true or false",
            "policy": "must be a string or null",
            "no_such_setting": "is not a setting of online_bookings",
        },
    }
    assert await _online_bookings(client) == before
    not_object = await client.patch(CONTROL, json=[1])
    assert not_object.status_code == 422


async def test_the_control_route_needs_the_key_and_is_not_part_of_the_cliniko_api(
    sandbox: ClinikoSandbox, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app)) as anonymous:
        refused = await anonymous.patch(CONTROL, json={"daily_bookings_limit": 1})
        wrong_key = await anonymous.patch(CONTROL, json={"daily_bookings_limit": 1}, auth=("not-the-key", ""))
    assert refused.status_code == wrong_key.status_code == 401
    assert (await _online_bookings(client))["daily_bookings_limit"] == 0
    # Under /v1 it is an unknown route (Rails' HTML 404), and only the online-booking section is editable.
    under_api = await client.patch("/control/settings/online_bookings", json={"daily_bookings_limit": 1})
    assert under_api.status_code == 404 and under_api.headers["content-type"].startswith("text/html")
    other_section = await client.patch("http://cliniko.test/control/settings/account", json={"name": "x"})
    assert other_section.status_code == 404
