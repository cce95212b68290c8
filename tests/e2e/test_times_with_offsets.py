"""Every datetime comes back with its numeric offset, in the care unit's zone (London's winter is ``+00:00``,
never ``Z``), as DESIGN §2 and the reference promise."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

NUMERIC_OFFSET = re.compile(r"T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")
DATETIME_FIELDS = ("start", "end", "created_at", "updated_at")


def _datetimes(records: list[dict[str, Any]]) -> list[str]:
    return [r[field] for r in records for field in DATETIME_FIELDS if r.get(field) is not None]


def _assert_in_zone(values: list[str], zone: ZoneInfo) -> None:
    assert values
    for value in values:
        assert NUMERIC_OFFSET.search(value), value
        moment = datetime.fromisoformat(value)
        assert moment.utcoffset() == moment.astimezone(zone).utcoffset(), (value, zone)


def test_every_care_unit_answers_in_its_own_zone_with_a_numeric_offset(api: httpx.Client) -> None:
    units = api.get("/emrs/cliniko/care-units").json()
    assert "Europe/London" in {u["timezone"] for u in units}, "the sandbox has a London clinic"
    for unit in units:
        zone = ZoneInfo(unit["timezone"])
        base = f"/emrs/cliniko/care-units/{unit['id']}"
        slots = api.get(f"{base}/timeslots")
        assert slots.status_code == 200, slots.text
        appointments = api.get(f"{base}/appointments")
        assert appointments.status_code == 200, appointments.text
        _assert_in_zone(_datetimes(slots.json()) + _datetimes(appointments.json()), zone)
        if "x-next-available-start" in slots.headers:
            assert NUMERIC_OFFSET.search(slots.headers["x-next-available-start"])
