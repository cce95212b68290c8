"""The Acuity emulator's surface: auth, error bodies, paths, shapes and the seeded account."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from medley.sandbox.acuity.seed import build_practice
from medley.sandbox.acuity.seed_data import ACCOUNT, CALENDARS, RETIRED_CUPPING, YOGA_CLASS
from medley.sandbox.acuity.server import AcuitySandbox
from tests.sandbox.acuity.conftest import API_KEY, NOW, USER_ID, client_for

ERROR_KEYS = {"status_code", "message", "error"}


async def test_basic_auth_is_the_user_id_and_the_api_key(acuity: AcuitySandbox) -> None:
    for auth in (None, (USER_ID, "wrong-key"), ("99999", API_KEY), (API_KEY, USER_ID)):
        async with client_for(acuity, auth=auth) as http:
            answer = await http.get("/me")
        assert answer.status_code == 401
        assert answer.json() == {"status_code": 401, "message": "Unauthorized", "error": "unauthorized"}
    async with client_for(acuity) as http:
        me = await http.get("/me")
    assert me.status_code == 200
    assert me.json()["id"] == ACCOUNT.id and me.json()["timezone"] == "America/Chicago"


async def test_paths_take_a_json_suffix_and_unknown_ones_answer_in_acuitys_shape(api: httpx.AsyncClient) -> None:
    assert (await api.get("/calendars.json")).json() == (await api.get("/calendars")).json()
    unknown = await api.get("/appointments/not-a-number/extra")
    assert unknown.status_code == 404 and set(unknown.json()) == ERROR_KEYS
    assert unknown.json()["message"] == "Not Found. Did you mean `/appointments/{id:number}`?"
    missing = await api.get("/appointments/1")
    assert missing.json() == {"status_code": 404, "message": "Not Found", "error": "not_found"}
    wrong_verb = await api.delete("/me")
    assert wrong_verb.json() == {"status_code": 405, "message": "Method Not Allowed", "error": "method_not_allowed"}


async def test_a_body_that_is_not_a_json_object_is_refused(api: httpx.AsyncClient) -> None:
    for content in (b"", b"not json", b"[1, 2]", b'"text"'):
        answer = await api.post("/appointments", content=content, headers={"content-type": "application/json"})
        assert answer.status_code == 400
        assert answer.json() == {"status_code": 400, "message": "Expected a JSON object.", "error": "bad_request"}


async def test_calendars_each_have_their_own_time_zone(api: httpx.AsyncClient) -> None:
    calendars = (await api.get("/calendars")).json()
    assert [(c["id"], c["timezone"]) for c in calendars] == [(c.id, c.timezone) for c in CALENDARS]
    assert {c["timezone"] for c in calendars} == {"America/Chicago", "America/Denver"}


async def test_appointment_types_show_padding_seats_and_privacy(api: httpx.AsyncClient) -> None:
    types = {t["id"]: t for t in (await api.get("/appointment-types")).json()}
    assert RETIRED_CUPPING not in types
    yoga = types[YOGA_CLASS]
    assert (yoga["type"], yoga["classSize"], yoga["duration"], yoga["price"]) == ("class", 8, 60, "22.00")
    assert any(t["paddingAfter"] > 0 for t in types.values()) and any(t["paddingBefore"] > 0 for t in types.values())
    assert any(t["private"] for t in types.values())
    every = {t["id"]: t for t in (await api.get("/appointment-types", params={"includeDeleted": "true"})).json()}
    assert every[RETIRED_CUPPING]["active"] is False


async def test_appointments_render_in_the_calendars_zone_with_acuitys_types(api: httpx.AsyncClient) -> None:
    rows = (
        await api.get("/appointments", params={"max": 500, "minDate": "2027-02-08", "maxDate": "2027-02-12"})
    ).json()
    assert rows, "the seed books next week"
    denver = [row for row in rows if row["calendarTimezone"] == "America/Denver"]
    assert denver and all(row["datetime"].endswith("-0700") for row in denver)
    row = rows[0]
    assert isinstance(row["id"], int) and isinstance(row["duration"], str) and row["paid"] in {"yes", "no"}
    assert row["canceled"] is False and "noShow" not in row
    starts = [datetime.strptime(r["datetime"], "%Y-%m-%dT%H:%M:%S%z") for r in rows]
    assert starts == sorted(starts, reverse=True)  # newest first by default
    assert all("2027-02-08" <= r["datetime"][:10] <= "2027-02-12" for r in rows)
    canceled = (await api.get("/appointments", params={"canceled": "true", "max": 500})).json()
    assert canceled and all(r["canceled"] and r["noShow"] is False for r in canceled)


def test_the_seed_is_deterministic_and_moves_by_whole_weeks() -> None:
    first, again = build_practice(NOW.date()), build_practice(NOW.date())
    assert first == again
    week_later = build_practice(NOW.date().replace(day=10))
    moved = {row["id"]: _wall_clock(row["starts_at"]) for row in week_later.appointments}
    shifts = {moved[row["id"]] - _wall_clock(row["starts_at"]) for row in first.appointments}
    assert shifts == {timedelta(days=7)} and len(first.appointments) == len(week_later.appointments)
    assert 300 < len(first.appointments) < 2000


def _wall_clock(instant: datetime) -> datetime:
    """Chicago wall clock (Denver keeps the same DST dates): a week later is the same local time."""
    return instant.astimezone(ZoneInfo("America/Chicago")).replace(tzinfo=None)
