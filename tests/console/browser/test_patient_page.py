"""The patient page in a real browser: appointments, medical notes shown as text, and documents that
download with the API's auth headers."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.console.browser.practice import book, create_patient, first_free_slot
from tests.console.browser.session import BrowserSession

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

# Written by "another client": must come out as text, never as markup.
HOSTILE_NOTE = '<img src=x id="injected"> Left knee pain, 2 weeks.\nPlan: strengthening <b>exercises</b>.'
HOSTILE_TITLE = 'Referral <script>alert("x")</script>'


def test_patient_page_shows_records_and_downloads_a_document(session: BrowserSession, api: httpx.Client) -> None:
    free = first_free_slot(api)
    patient = create_patient(api, free.base, "Grace", "Hopper", "1906-12-09")
    appointment = book(api, free, patient["id"])
    note = api.post(f"{free.base}/patients/{patient['id']}/medical-notes", json={
        "template_id": "leyr_unstructured", "title": "Initial assessment",
        "content": {"unstructured": HOSTILE_NOTE},
    })
    assert note.status_code == 201, note.text
    letter = b"Dear colleague,\nplease see Grace Hopper for physiotherapy.\n" + bytes(range(256))
    document = api.post(f"{free.base}/patients/{patient['id']}/documents", json={
        "content": base64.b64encode(letter).decode(), "format": "application/octet-stream",
        "title": HOSTILE_TITLE, "type": "Referral",
    })
    assert document.status_code == 201, document.text

    page = session.page
    page.goto(f"{session.base_url}/console#/units/{free.unit['id']}/patients/{patient['id']}")
    heading = page.locator("#patient-heading")
    expect(heading).to_have_text("Grace Hopper")
    expect(heading).to_be_focused()
    expect(page.locator("#patient-appointments")).to_contain_text(f"Times in {free.unit['timezone']}")
    expect(page.locator(f'#patient-appointments tr[data-appointment-id="{appointment["id"]}"]')).to_contain_text(
        "Booked")

    notes = page.locator("#patient-notes")
    expect(notes).to_contain_text("Initial assessment")
    expect(notes.locator(".note-text")).to_have_text(HOSTILE_NOTE)
    expect(page.locator("#injected")).to_have_count(0)

    row = page.locator(f'#patient-documents tr[data-document-id="{document.json()["id"]}"]')
    expect(row).to_contain_text(HOSTILE_TITLE)
    with page.expect_download() as download_info:
        row.get_by_role("button", name="Download").click()
    download = download_info.value
    assert download.failure() is None
    with open(download.path(), "rb") as saved:
        assert saved.read() == letter

    # A document added by another client appears on refresh.
    added = api.post(f"{free.base}/patients/{patient['id']}/documents", json={
        "content": base64.b64encode(b"x-ray report").decode(), "format": "text/plain", "title": "X-ray report",
    })
    assert added.status_code == 201, added.text
    page.get_by_role("button", name="Refresh").click()
    expect(page.locator(f'#patient-documents tr[data-document-id="{added.json()["id"]}"]')).to_contain_text(
        "X-ray report")

    # Back to the calendar from the patient page.
    page.get_by_role("link", name="← Calendar").click()
    expect(page.locator("#calendar-heading")).to_be_focused()
    session.assert_clean()
