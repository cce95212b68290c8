"""What a browser test watches on a page: console problems and requests that try to leave this server."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page


@dataclass
class BrowserSession:
    page: Page
    base_url: str
    console_problems: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    expected_errors: list[str] = field(default_factory=list)

    def expect_console_error(self, fragment: str) -> None:
        """Chromium logs every failed fetch (e.g. an expected 409) as a console error."""
        self.expected_errors.append(fragment)

    def assert_clean(self) -> None:
        assert self.outside_requests == [], "requests left this server"
        unexpected = [m for m in self.console_problems if not any(f in m for f in self.expected_errors)]
        assert unexpected == [], "console errors or warnings"
