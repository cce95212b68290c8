"""Headless Chromium (Debian's ``chromium``, driven by Playwright) against a real ``medley serve``.

Every page runs with the network outside this server blocked, and records console errors, warnings and
uncaught exceptions: a test ends with ``session.assert_clean()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
import pytest

from medley.config import DEFAULT_SANDBOX_CLIENT_ID, DEFAULT_SANDBOX_CLIENT_SECRET
from tests.console.browser.session import BrowserSession
from tests.support.server import running_medley

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SANDBOX_HEADERS = {
    "x-leyr-client-id": DEFAULT_SANDBOX_CLIENT_ID,
    "x-leyr-client-secret": DEFAULT_SANDBOX_CLIENT_SECRET,
}
# The browser runs in a zone that is none of the care units': times must still show in the unit's zone.
BROWSER_TIMEZONE = "America/New_York"


# Package scope, not session: while Playwright's sync API is open, its event loop counts as running in this
# thread, and async tests elsewhere in the suite could not start their own.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {"MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "100000"}
    with running_medley("serve", env, tmp_path_factory.mktemp("console")) as url:
        if httpx.get(url + "/console", timeout=10.0).status_code != 200:
            pytest.fail("`medley serve` does not serve /console: create_app must call install_console")
        yield url


@pytest.fixture
def api(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url + "/api", headers=SANDBOX_HEADERS, timeout=30.0) as client:
        yield client


def _watch(context: BrowserContext, page: Page, session: BrowserSession) -> None:
    def guard(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            session.outside_requests.append(route.request.url)
            route.abort()

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            session.console_problems.append(f"{message.type}: {message.text} ({message.location.get('url')})")

    context.route("**/*", guard)
    page.on("console", on_console)
    page.on("pageerror", lambda error: session.console_problems.append(f"uncaught: {error}"))


@pytest.fixture
def open_session(browser: Browser, server_url: str) -> Iterator[Callable[..., BrowserSession]]:
    """Opens a fresh browser context (viewport in CSS pixels); all are closed after the test."""
    contexts: list[BrowserContext] = []

    def open_(width: int = 1360, height: int = 900, *, mobile: bool = False) -> BrowserSession:
        context = browser.new_context(
            viewport={"width": width, "height": height}, is_mobile=mobile, has_touch=mobile,
            accept_downloads=True, locale="en-GB", timezone_id=BROWSER_TIMEZONE,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        session = BrowserSession(page, server_url)
        _watch(context, page, session)
        return session

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def session(open_session: Callable[..., BrowserSession]) -> BrowserSession:
    return open_session()
