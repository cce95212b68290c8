"""The sandbox console: one HTML page and its static modules, given the sandbox application's credentials
so it calls the public API exactly as an integrator's client does.

Only the documented default secret is ever put in a page: anyone who can reach the server may open it. When
``MEDLEY_SANDBOX_CLIENT_SECRET`` is set to anything else, the page carries the client id alone and the
console asks for the secret (kept in the browser tab's ``sessionStorage``)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from medley.config import DEFAULT_SANDBOX_CLIENT_SECRET, Settings
from medley.console.templating import CONSOLE_CSP, PageTemplate, page_response
from medley.services.authentication import CLIENT_ID_HEADER, CLIENT_SECRET_HEADER

CONSOLE_PATH = "/console"
CONSOLE_STATIC_PATH = "/console/static"


def sandbox_credentials(settings: Settings) -> dict[str, str]:
    """The sandbox application's headers a page may carry: the client id, and the secret only while it is the
    public, documented default (a secret someone chose is never handed to whoever asks for a page)."""
    headers = {CLIENT_ID_HEADER: settings.sandbox_client_id}
    secret = settings.sandbox_client_secret.get_secret_value()
    if secret == DEFAULT_SANDBOX_CLIENT_SECRET:
        headers[CLIENT_SECRET_HEADER] = secret
    return headers


def console_config(settings: Settings, root_path: str) -> dict[str, Any]:
    headers = sandbox_credentials(settings)
    return {
        "apiBase": f"{root_path}/api",
        "docsUrl": f"{root_path}/docs",
        "headers": headers,
        "askSecret": CLIENT_SECRET_HEADER not in headers,
    }


def install_console_page(app: FastAPI, settings: Settings) -> None:
    """``GET /console`` and ``/console/static/...``; call only in sandbox mode."""
    template = PageTemplate("console.html")
    app.mount(CONSOLE_STATIC_PATH, StaticFiles(packages=[("medley.console", "static")]), name="console-static")

    @app.get(CONSOLE_PATH, include_in_schema=False, response_class=HTMLResponse)
    async def console(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        body = template.render(
            text={"static": root + CONSOLE_STATIC_PATH, "docs": root + "/docs"},
            config=console_config(settings, root),
        )
        return page_response(body, CONSOLE_CSP)
