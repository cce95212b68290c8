"""The calendar in a real browser: pick a care unit, book a free slot by clicking, cancel it; see the API's
errors readably; and use it on a phone-sized screen."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.console.browser.practice import FreeSlot, book, create_patient, first_free_slot
from tests.console.browser.session import BrowserSession

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "images" / "console-calendar.png"
# The README's screenshot is written when missing, or on request: not on every run, which would leave a
# changed image in the working tree each time.
UPDATE_SCREENSHOTS = os.environ.get("MEDLEY_UPDATE_SCREENSHOTS") == "1"


def slot_button(page: Page, free: FreeSlot) -> Locator:
    return page.locator(f'button.slot[data-start="{free.button_start}"]')


def show_week_of(session: BrowserSession, free: FreeSlot) -> None:
    """Open the console, pick the slot's care unit, practitioner and service, and go to its week."""
    page = session.page
    page.goto(session.base_url + "/console")
    page.select_option("#unit-select", free.unit["id"])
    expect(page.locator("#timezone-label")).to_have_text(f"Times in {free.unit['timezone']}")
    page.select_option("#resource-select", free.slot["resource_id"])
    page.select_option("#service-select", free.slot["healthcare_service_id"])
    weeks = free.weeks_ahead()  # -1 for a weekend slot when the console opens on next week
    for _ in range(abs(weeks)):
        page.click("#next-week" if weeks > 0 else "#prev-week")
    expect(page.locator("#calendar[aria-busy=false] .calendar-grid")).to_be_visible()


def test_booking_a_free_slot_then_cancelling_it_frees_the_slot(session: BrowserSession, api: httpx.Client) -> None:
    free = first_free_slot(api)
    page = session.page
    show_week_of(session, free)
    expect(slot_button(page, free)).to_be_visible()

    # Book the slot for a new patient, created from the dialog.
    slot_button(page, free).click()
    dialog = page.locator("#book-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#search-first-name")).to_be_focused()
    dialog.locator("summary", has_text="New patient").click()
    page.fill("#new-first-name", "Ada")
    page.fill("#new-last-name", "Lovelace")
    page.fill("#new-birth-date", "1985-12-10")
    dialog.get_by_role("button", name="Create patient").click()
    expect(page.locator("#book-patient")).to_contain_text("Ada Lovelace")
    page.fill("#book-comment", "Booked from the console")
    page.click("#book-submit")
    expect(dialog).to_be_hidden()

    appointment = page.locator("button.appointment", has_text="Ada Lovelace")
    expect(appointment).to_have_attribute("data-status", "booked")
    expect(appointment).to_be_focused()
    expect(slot_button(page, free)).to_have_count(0)
    appointment_id = appointment.get_attribute("data-appointment-id")
    assert api.get(f"{free.base}/appointments/{appointment_id}").json()["status"] == "booked"
    if UPDATE_SCREENSHOTS or not SCREENSHOT.exists():
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))

    # Cancel it: it stays on the calendar, struck through, and the slot is free again.
    appointment.click()
    details = page.locator("#appointment-dialog")
    expect(details).to_be_visible()
    expect(details.locator("#appointment-details")).to_contain_text("Ada Lovelace")
    page.fill("#cancel-comment", "Patient called to cancel")
    page.click("#cancel-submit")
    expect(details).to_be_hidden()
    cancelled = page.locator(f'button.appointment[data-appointment-id="{appointment_id}"]')
    expect(cancelled).to_have_attribute("data-status", "cancelled")
    expect(slot_button(page, free)).to_be_visible()
    assert api.get(f"{free.base}/appointments/{appointment_id}").json()["status"] == "cancelled"
    session.assert_clean()


def test_rescheduling_moves_the_appointment_and_frees_the_old_slot(
    session: BrowserSession, api: httpx.Client
) -> None:
    free = first_free_slot(api)
    page = session.page
    patient = create_patient(api, free.base, "Alan", "Turing", "1912-06-23")
    appointment = book(api, free, patient["id"])
    show_week_of(session, free)
    page.locator(f'button.appointment[data-appointment-id="{appointment["id"]}"]').click()

    picker = page.locator("#reschedule-slots .picker-slot")
    expect(picker.first).to_be_visible()
    target = picker.first
    new_start = target.get_attribute("data-start")
    assert new_start is not None
    target.click()
    expect(target).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Move to the chosen slot").click()
    expect(page.locator("#appointment-dialog")).to_be_hidden()

    moved = api.get(f"{free.base}/appointments/{appointment['id']}").json()
    assert datetime.fromisoformat(moved["start"]) == datetime.fromisoformat(new_start)
    expect(slot_button(page, free)).to_be_visible()
    session.assert_clean()


def test_a_slot_taken_by_another_client_shows_the_conflict(session: BrowserSession, api: httpx.Client) -> None:
    free = first_free_slot(api)
    page = session.page
    patient = create_patient(api, free.base, "Mary", "Seacole", "1805-11-23")
    show_week_of(session, free)
    slot_button(page, free).click()

    # Found by name; the only match is chosen.
    page.fill("#search-first-name", "Mary")
    page.fill("#search-last-name", "Seacole")
    page.locator("#patient-search-form").get_by_role("button", name="Search").click()
    expect(page.locator("#book-patient")).to_contain_text("Mary Seacole")

    other = create_patient(api, free.base, "Florence", "Nightingale", "1820-05-12")
    book(api, free, other["id"])
    session.expect_console_error("409")
    page.click("#book-submit")

    problem = page.locator("#book-dialog .dialog-problem")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("CONFLICT")
    expect(problem).to_contain_text("NO_TIMESLOTS_AVAILABLE")
    page.keyboard.press("Escape")
    expect(page.locator("#book-dialog")).to_be_hidden()
    expect(slot_button(page, free)).to_have_count(0)
    taken = page.locator("button.appointment", has_text="Florence Nightingale")
    expect(taken).to_be_visible()
    assert patient["id"] not in (a["patient_id"] for a in api.get(f"{free.base}/appointments").json())
    session.assert_clean()


def test_a_phone_shows_one_day_at_a_time(open_session: Callable[..., BrowserSession]) -> None:
    session = open_session(390, 844, mobile=True)
    page = session.page
    page.goto(session.base_url + "/console")
    expect(page.locator("#calendar[aria-busy=false] .calendar-grid")).to_be_visible()
    tabs = page.locator("#day-tabs .day-tab")
    expect(tabs).to_have_count(7)
    expect(page.locator(".day:visible")).to_have_count(1)

    dates = page.locator(".day").evaluate_all("days => days.map((day) => day.dataset.date)")
    for index in (0, 4):
        tabs.nth(index).click()
        expect(tabs.nth(index)).to_have_attribute("aria-pressed", "true")
        expect(page.locator(".day:visible")).to_have_attribute("data-date", dates[index])
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    session.assert_clean()
