"""Switching EHR in a real browser: the sandbox application is connected to Cliniko and Acuity; the console
lists Acuity's care unit, practitioners and free slots, books one, says which steps Acuity does not support
(working hours, medical notes, documents) without ever requesting them, and switches back to Cliniko. Old
``#/units/…`` links still open, on the first connected EHR."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.console.browser.practice import FreeSlot, first_free_slot
from tests.console.browser.session import BrowserSession

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

# The calls a step Acuity lacks would make: none may leave the page while it is on Acuity.
UNSUPPORTED_PATHS = ("/schedules", "/medical-notes", "/documents")


def _connected(api: httpx.Client) -> list[dict[str, Any]]:
    emrs: list[dict[str, Any]] = api.get("/emrs").json()
    return [emr for emr in emrs if emr["connected"]]


def _operations(api: httpx.Client, code: str) -> set[str]:
    return {op for emr in _connected(api) if emr["code"] == code for op in emr["capabilities"]["operations"]}


def _calendar_ready(page: Page) -> None:
    expect(page.locator("#calendar[aria-busy=false] .calendar-grid")).to_be_visible()


def _show_slot_week(page: Page, free: FreeSlot) -> None:
    page.select_option("#resource-select", free.slot["resource_id"])
    page.select_option("#service-select", free.slot["healthcare_service_id"])
    weeks = free.weeks_ahead()
    for _ in range(abs(weeks)):
        page.click("#next-week" if weeks > 0 else "#prev-week")
    _calendar_ready(page)


def test_switch_to_acuity_book_a_slot_see_what_it_lacks_and_switch_back(
    session: BrowserSession, api: httpx.Client
) -> None:
    connected = _connected(api)
    assert [emr["code"] for emr in connected][:2] == ["cliniko", "acuity"], "the sandbox serves both EHRs"
    lacking = {"schedules.get", "notes.list", "documents.list"}
    assert not lacking & _operations(api, "acuity"), "the capability matrix decides what is not supported"
    free = first_free_slot(api, "acuity")
    acuity_units = api.get("/emrs/acuity/care-units").json()
    resources = api.get(f"{free.base}/resources").json()
    page = session.page
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))

    page.goto(session.base_url + "/console")
    _calendar_ready(page)
    emr_select = page.locator("#emr-select")
    expect(emr_select.locator("option")).to_have_text(
        [f"{emr['name']} (sandbox)" if emr["sandbox"] else emr["name"] for emr in connected])
    expect(emr_select).to_have_value("cliniko")
    expect(page).to_have_url(f"{session.base_url}/console#/emrs/cliniko/units/"
                             f"{api.get('/emrs/cliniko/care-units').json()[0]['id']}")
    cliniko_unit = page.locator("#unit-select").input_value()

    # Switch to Acuity: its care unit, its practitioners, its zone; steps it lacks said, not requested.
    emr_select.select_option("acuity")
    expect(page).to_have_url(f"{session.base_url}/console#/emrs/acuity/units/{acuity_units[0]['id']}")
    expect(page.locator("#unit-select option")).to_have_text([unit["name"] for unit in acuity_units])
    expect(page.locator("#timezone-label")).to_have_text(f"Times in {free.unit['timezone']}")
    expect(page.locator("#resource-select option")).to_have_text([r["name"] for r in resources])
    hours = page.locator('#calendar-support .unsupported[data-operation="schedules.get"]')
    expect(hours).to_contain_text("Working hours")
    expect(hours).to_contain_text("Not supported")
    expect(page.locator("#legend-work")).to_be_hidden()
    page.select_option("#unit-select", free.unit["id"])
    _show_slot_week(page, free)
    slot = page.locator(f'button.slot[data-start="{free.button_start}"]')
    expect(slot).to_be_visible()
    expect(page.locator(".work-block")).to_have_count(0)

    # Book the slot for a new client.
    slot.click()
    dialog = page.locator("#book-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("summary", has_text="New patient").click()
    page.fill("#new-first-name", "Octavia")
    page.fill("#new-last-name", "Butler")
    page.fill("#new-email", "octavia.butler@example.com")
    dialog.get_by_role("button", name="Create patient").click()
    expect(page.locator("#book-patient")).to_contain_text("Octavia Butler")
    page.click("#book-submit")
    expect(dialog).to_be_hidden()
    booked = page.locator("button.appointment", has_text="Octavia Butler")
    expect(booked).to_have_attribute("data-status", "booked")
    appointment_id = booked.get_attribute("data-appointment-id")
    made = api.get(f"{free.base}/appointments/{appointment_id}").json()
    assert (made["status"], made["resource_id"]) == ("booked", free.slot["resource_id"])
    expect(slot).to_have_count(0)

    # The patient page says notes and documents are not supported on Acuity.
    booked.click()
    page.locator("#appointment-patient-link").click()
    expect(page.locator("#patient-heading")).to_have_text("Octavia Butler")
    assert f"#/emrs/acuity/units/{free.unit['id']}/patients/{made['patient_id']}" in page.url
    expect(page.locator(f'#patient-appointments tr[data-appointment-id="{appointment_id}"]')).to_contain_text(
        "Booked")
    expect(page.locator('#patient-notes .unsupported[data-operation="notes.list"]')).to_contain_text(
        "Medical notes")
    expect(page.locator('#patient-documents .unsupported[data-operation="documents.list"]')).to_contain_text(
        "Documents")
    expect(page.locator("#patient-documents form")).to_have_count(0)
    on_acuity = [url for url in asked if "/api/emrs/acuity/" in url]
    assert on_acuity, "the pages read Acuity"
    assert [url for url in on_acuity if any(path in url for path in UNSUPPORTED_PATHS)] == []

    # Back to Cliniko: its own care units, working hours and no not-supported notes.
    page.select_option("#emr-select", "cliniko")
    expect(page).to_have_url(f"{session.base_url}/console#/emrs/cliniko/units/{cliniko_unit}")
    _calendar_ready(page)
    expect(page.locator("#calendar-view")).to_be_visible()
    expect(page.locator("#unit-select")).to_have_value(cliniko_unit)
    expect(page.locator("#calendar-support")).to_be_hidden()
    expect(page.locator("#legend-work")).to_be_visible()
    expect(page.locator("#service-select")).to_be_enabled()
    session.assert_clean()


def test_old_links_open_on_the_first_connected_ehr(session: BrowserSession, api: httpx.Client) -> None:
    first = _connected(api)[0]["code"]
    unit = api.get(f"/emrs/{first}/care-units").json()[-1]
    page = session.page
    page.goto(f"{session.base_url}/console#/units/{unit['id']}")
    expect(page).to_have_url(f"{session.base_url}/console#/emrs/{first}/units/{unit['id']}")
    _calendar_ready(page)
    expect(page.locator("#unit-select")).to_have_value(unit["id"])

    # An EHR this application is not connected to: back on the first one.
    page.goto(f"{session.base_url}/console#/emrs/no-such-ehr/units/{unit['id']}")
    expect(page).to_have_url(f"{session.base_url}/console#/emrs/{first}/units/"
                             f"{api.get(f'/emrs/{first}/care-units').json()[0]['id']}")
    session.assert_clean()
