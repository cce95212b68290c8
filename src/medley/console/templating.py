"""The console's HTML pages: packaged templates, a JSON config block safe inside ``<script>``, and the
security headers every page carries."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

from fastapi.responses import HTMLResponse

_TEMPLATES = resources.files("medley.console") / "templates"
_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")

# Every page loads only its own scripts and talks only to this server: no CDN, no web font, no inline
# script. Swagger UI and ReDoc set inline styles, so their pages allow those (scripts stay 'self').
CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self' data:; worker-src 'self' blob:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


class PageTemplate:
    """An HTML file of the package with ``{{name}}`` placeholders, read once."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._text = (_TEMPLATES / name).read_text(encoding="utf-8")

    def render(self, *, text: Mapping[str, str], config: Mapping[str, Any]) -> str:
        """Fill ``text`` values (HTML-escaped) and ``{{config}}`` (JSON for a ``type=application/json``
        script block) in one pass, so a value can never fill another placeholder; a missing one raises."""
        values = {key: html.escape(value, quote=True) for key, value in text.items()}
        values["config"] = script_json(config)

        def fill(match: re.Match[str]) -> str:
            key = match.group(1)
            if key not in values:
                raise KeyError(f"{self.name} needs a value for {{{{{key}}}}}")
            return values[key]

        return _PLACEHOLDER.sub(fill, self._text)


def script_json(value: Mapping[str, Any]) -> str:
    """JSON that cannot close its ``<script>`` element nor start an HTML comment or entity."""
    encoded = json.dumps(value, separators=(",", ":"), ensure_ascii=True)
    return encoded.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_response(body: str, csp: str) -> HTMLResponse:
    # no-store: a sandbox page carries the sandbox credentials, and an old page must not outlive a restart.
    return HTMLResponse(body, headers={
        "Content-Security-Policy": csp,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    })
