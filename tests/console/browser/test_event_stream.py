"""The console's live event stream: an integrator sees the event their write caused, without reloading."""

from __future__ import annotations

import httpx
import pytest

from tests.console.browser.practice import create_patient, first_free_slot
from tests.console.browser.session import BrowserSession

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser


def test_a_new_patient_appears_in_the_live_event_stream(session: BrowserSession, api: httpx.Client) -> None:
    free = first_free_slot(api)
    page = session.page
    page.goto(f"{session.base_url}/console")
    expect(page.locator("#events-heading")).to_have_text("Live events")
    patient = create_patient(api, free.base, "Ada", "Streamed", "1815-12-10")
    event = page.locator(f'#event-list li[data-type="patient.created"]:has-text("patient {patient["id"]}")')
    expect(event).to_have_count(1, timeout=15_000)
    session.assert_clean()
