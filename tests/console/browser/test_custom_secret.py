"""With a sandbox secret of its own (``MEDLEY_SANDBOX_CLIENT_SECRET``), the console asks for it instead of
carrying it: a wrong one is refused readably, the right one opens the calendar and is kept for the tab."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.console.browser.session import BrowserSession
from tests.support.server import running_medley

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

CUSTOM_SECRET = "our-own-sandbox-secret-5e2a9c71d4b8"


@pytest.fixture(scope="module")
def custom_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {"MEDLEY_SANDBOX_CLIENT_SECRET": CUSTOM_SECRET, "MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "100000"}
    with running_medley("serve", env, tmp_path_factory.mktemp("console-custom-secret")) as url:
        yield url


def test_the_console_asks_for_a_custom_secret_and_keeps_it_for_the_tab(
    open_session: Callable[..., BrowserSession], custom_url: str
) -> None:
    session = open_session()
    session.expect_console_error("401")  # Chromium logs the refused wrong secret
    page = session.page
    page.goto(custom_url + "/console")
    form = page.locator("#secret-form")
    expect(form).to_be_visible()
    expect(page.locator("#secret-client-id")).to_have_text("sandbox")
    expect(page.locator("#secret-input")).to_be_focused()
    assert CUSTOM_SECRET not in page.content()

    page.fill("#secret-input", "not-the-secret")
    page.get_by_role("button", name="Use this secret").click()
    expect(page.locator("#secret-problem")).to_contain_text("refused")
    expect(form).to_be_visible()

    page.fill("#secret-input", CUSTOM_SECRET)
    page.get_by_role("button", name="Use this secret").click()
    expect(form).to_be_hidden()
    expect(page.locator("#unit-select option")).not_to_have_count(0)
    expect(page.locator("#calendar[aria-busy=false] .calendar-grid")).to_be_visible()
    assert page.evaluate("Object.values(sessionStorage)") == [CUSTOM_SECRET]

    # A reload in the same tab does not ask again; the page itself still does not carry the secret.
    page.reload()
    expect(page.locator("#calendar[aria-busy=false] .calendar-grid")).to_be_visible()
    expect(form).to_be_hidden()
    assert CUSTOM_SECRET not in page.content()
    session.assert_clean()


def test_another_browser_is_asked_again(open_session: Callable[..., BrowserSession], custom_url: str) -> None:
    session = open_session()
    page = session.page
    page.goto(custom_url + "/console")
    expect(page.locator("#secret-form")).to_be_visible()
    expect(page.locator("#unit-select option")).to_have_count(0)
    session.assert_clean()
