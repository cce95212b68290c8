"""The week view a receptionist opens: on a weekend it shows the coming working week (not a week all past),
patients' names are legible (whole, or "Ada L." where a block is narrow, never "Ad…"), and a week full of
appointments costs one batch look-up of patients, not one request per appointment."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.console.browser.practice import next_working_day, opening_monday, weeks_from_opening
from tests.console.browser.session import BrowserSession

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

APPOINTMENTS = 12


def _coming(weekday: int, zone: ZoneInfo) -> date:
    """The next date (after today, in ``zone``) that falls on ``weekday`` (Monday = 0)."""
    today = datetime.now(zone).date()
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _open_calendar(page: Page, base_url: str) -> None:
    page.goto(base_url + "/console")
    expect(page.locator("#calendar[aria-busy=false] .calendar-grid")).to_be_visible()


@pytest.mark.parametrize(("weekday", "label"), [(6, "Sunday"), (5, "Saturday"), (2, "Wednesday")])
def test_the_console_opens_on_the_week_of_the_next_working_day(
    session: BrowserSession, api: httpx.Client, weekday: int, label: str
) -> None:
    unit = api.get("/emrs/cliniko/care-units").json()[0]  # the console opens on the first care unit
    zone = ZoneInfo(unit["timezone"])
    day = _coming(weekday, zone)
    session.page.clock.set_fixed_time(datetime.combine(day, time(10, 0), zone))
    _open_calendar(session.page, session.base_url)

    working = next_working_day(day)
    monday = working - timedelta(days=working.weekday())
    days = session.page.locator(".day").evaluate_all("days => days.map((d) => d.dataset.date)")
    assert days[0] == monday.isoformat(), (label, days)
    pressed = session.page.locator("#day-tabs .day-tab").evaluate_all(
        "tabs => tabs.map((t) => t.getAttribute('aria-pressed'))"
    )
    assert pressed.index("true") == working.weekday(), (label, pressed)  # on a phone: that day's tab
    session.assert_clean()


def _a_busy_week(api: httpx.Client) -> tuple[dict[str, str], dict[str, str], list[tuple[dict[str, str], str]]]:
    """A practitioner's week four weeks ahead, filled with appointments of distinct, long-named patients."""
    unit = api.get("/emrs/cliniko/care-units").json()[0]
    base = f"/emrs/cliniko/care-units/{unit['id']}"
    zone = ZoneInfo(unit["timezone"])
    monday = opening_monday(unit["timezone"]) + timedelta(weeks=4)
    start = datetime.combine(monday, time(0, 0), zone)
    slots = api.get(f"{base}/timeslots", params={"start": start.isoformat(),
                                                  "end": (start + timedelta(days=7)).isoformat()}).json()
    assert slots, "the practice should have free time four weeks ahead"
    resource = slots[0]["resource_id"]
    chosen: list[dict[str, str]] = []
    for slot in (s for s in slots if s["resource_id"] == resource):
        begins, ends = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
        if all(ends <= datetime.fromisoformat(c["start"]) or datetime.fromisoformat(c["end"]) <= begins
               for c in chosen):
            chosen.append(slot)
        if len(chosen) == APPOINTMENTS:
            break
    booked = []
    for index, slot in enumerate(chosen):
        name = {"first_name": "Maximiliana", "last_name": f"Featherstonehaugh-{uuid.uuid4().hex[:6]}{index}"}
        patient = api.post(f"{base}/patients", json={**name, "birth_date": "1990-01-01"}).json()
        made = api.post(f"{base}/appointments", json={**slot, "patient_id": patient["id"]})
        assert made.status_code == 201, made.text
        booked.append((made.json()[0], f"{name['first_name']} {name['last_name']}"))
    return unit, chosen[0], booked


def test_a_busy_week_shows_every_name_legibly_for_one_patient_look_up(
    session: BrowserSession, api: httpx.Client
) -> None:
    unit, slot, booked = _a_busy_week(api)
    page = session.page
    patient_requests: list[str] = []
    page.on("request", lambda r: patient_requests.append(r.url) if "/patients" in r.url else None)
    _open_calendar(page, session.base_url)
    page.select_option("#resource-select", slot["resource_id"])
    page.select_option("#service-select", slot["healthcare_service_id"])  # free slots narrow the lane
    for _ in range(weeks_from_opening(unit["timezone"], datetime.fromisoformat(slot["start"])) - 1):
        page.click("#next-week")
    expect(page.locator("#calendar[aria-busy=false] .calendar-grid")).to_be_visible()
    patient_requests.clear()
    page.click("#next-week")
    expect(page.locator("#calendar[aria-busy=false] .calendar-grid")).to_be_visible()

    for appointment, full_name in booked:
        name = page.locator(f'button.appointment[data-appointment-id="{appointment["id"]}"] .appointment-patient')
        expect(name).not_to_have_text("…")
        shown = name.evaluate("el => (el.querySelector('[aria-hidden=true]') || el).textContent")
        first, last = full_name.split(" ", 1)
        assert shown in (full_name, f"{first} {last[0]}.", first, f"{first[0]}. {last[0]}."), shown
        assert name.evaluate("el => el.scrollWidth <= el.clientWidth"), f"{shown!r} is cut"
        title = page.locator(f'button.appointment[data-appointment-id="{appointment["id"]}"]').get_attribute("title")
        assert title and full_name in title

    singles = [url for url in patient_requests if "/patients/" in url]
    batches = [url for url in patient_requests if "/patients?" in url]
    assert singles == [], singles
    assert len(batches) == 1, batches
    session.assert_clean()
