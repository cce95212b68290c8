"""The console's and the API reference's HTTP surface, without a browser: what is served, when, and how."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from medley.app import create_app
from medley.config import DEFAULT_SANDBOX_CLIENT_SECRET, Settings
from medley.console import install_console
from medley.console.api_docs import security_presets
from medley.console.pages import sandbox_credentials
from medley.console.templating import script_json

SECRET = "s3cret</script><!--&"


def _client(settings: Settings, *, default_docs: bool = False) -> httpx.AsyncClient:
    app = FastAPI(title="Medley") if default_docs else FastAPI(title="Medley", docs_url=None, redoc_url=None)
    install_console(app, settings)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def sandbox() -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(sandbox=True, sandbox_client_id="sandbox", sandbox_client_secret=SecretStr(SECRET))
    async with _client(settings) as client:
        yield client


def _config(page: str, element_id: str) -> dict[str, object]:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.S)
    assert match, "the page carries its config block"
    config: dict[str, object] = json.loads(match.group(1))
    return config


async def test_console_page_never_carries_a_custom_sandbox_secret(sandbox: httpx.AsyncClient) -> None:
    response = await sandbox.get("/console")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert SECRET not in response.text and "s3cret" not in response.text
    config = _config(response.text, "medley-console-config")
    # A secret someone chose is asked for in the page, never handed out with it.
    assert config["headers"] == {"x-leyr-client-id": "sandbox"}
    assert config["askSecret"] is True
    assert config["apiBase"] == "/api"


async def test_console_page_carries_the_documented_default_secret_safely() -> None:
    async with _client(Settings(sandbox=True, sandbox_client_id="</script><!--&")) as client:
        response = await client.get("/console")
    # The values cannot close the script element: they are only readable as JSON.
    assert "</script><!--&" not in response.text
    config = _config(response.text, "medley-console-config")
    assert config["headers"] == {
        "x-leyr-client-id": "</script><!--&", "x-leyr-client-secret": DEFAULT_SANDBOX_CLIENT_SECRET
    }
    assert config["askSecret"] is False


async def test_console_assets_ship_with_the_package(sandbox: httpx.AsyncClient) -> None:
    page = (await sandbox.get("/console")).text
    assets = re.findall(r'(?:src|href)="(/(?:console|docs)/static/[^"]+)"', page)
    assert len(assets) >= 2
    modules = [
        "api.js", "calendar.js", "capabilities.js", "credentials.js", "dialogs.js", "dom.js", "format.js", "layout.js",
        "patient.js",
    ]
    for path in [*assets, *(f"/console/static/{m}" for m in modules)]:
        response = await sandbox.get(path)
        assert response.status_code == 200, path
    assert (await sandbox.get("/console/static/app.js")).headers["content-type"].startswith("text/javascript")


async def test_console_is_absent_without_the_sandbox() -> None:
    async with _client(Settings(sandbox=False, master_key=SecretStr("c" * 40))) as client:
        assert (await client.get("/console")).status_code == 404
        assert (await client.get("/console/static/app.js")).status_code == 404
        docs = await client.get("/docs")
        assert docs.status_code == 200
        assert _config(docs.text, "medley-docs-config")["authorize"] == {}


def test_swagger_ui_is_pre_authorised_with_the_gateways_own_schemes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    openapi = create_app(settings).openapi()
    assert security_presets(openapi, sandbox_credentials(settings)) == {
        "ClientId": "sandbox", "ClientSecret": DEFAULT_SANDBOX_CLIENT_SECRET
    }
    # A custom secret is typed in Swagger UI's Authorize dialog, never pre-filled for whoever opens /docs.
    custom = Settings(data_dir=tmp_path, sandbox_client_secret=SecretStr(SECRET))
    assert security_presets(openapi, sandbox_credentials(custom)) == {"ClientId": "sandbox"}


async def test_docs_assets_are_local_and_redoc_makes_no_outside_request(sandbox: httpx.AsyncClient) -> None:
    for path in ("/docs/vendor/swagger-ui-bundle.js", "/docs/vendor/swagger-ui.css", "/docs/static/swagger-init.js",
                 "/docs/static/redoc-init.js", "/docs/static/docs.css"):
        assert (await sandbox.get(path)).status_code == 200, path
    redoc = await sandbox.get("/docs/vendor/redoc.standalone.js")
    assert redoc.status_code == 200
    assert b"cdn.redoc.ly" not in redoc.content


async def test_our_docs_pages_replace_fastapis_cdn_pages() -> None:
    async with _client(Settings(sandbox=True), default_docs=True) as client:
        for path in ("/docs", "/redoc"):
            page = (await client.get(path)).text
            assert "cdn.jsdelivr.net" not in page and "/docs/vendor/" in page, path


def test_script_json_cannot_break_out_of_its_element() -> None:
    encoded = script_json({"x": "</script><script>alert(1)</script>", "y": "<!-- & -->"})
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    assert json.loads(encoded) == {"x": "</script><script>alert(1)</script>", "y": "<!-- & -->"}


def test_console_code_never_writes_markup_from_data() -> None:
    package = resources.files("medley.console")
    folders = [package / "static", package / "docs_static"]
    scripts = [f for folder in folders for f in folder.iterdir() if f.name.endswith(".js")]
    assert len(scripts) >= 9
    for script in scripts:
        source = script.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in source, f"{script.name} uses {sink}"
    for template in (package / "templates").iterdir():
        page = template.read_text(encoding="utf-8")
        # CSP-friendly: no inline handler, inline style or inline script with code.
        assert not re.search(r"\son[a-z]+\s*=", page), template.name
        assert not re.search(r"\sstyle\s*=", page), template.name
        assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))", page), template.name
