"""The console and the API docs never hand out a sandbox secret someone chose: with
``MEDLEY_SANDBOX_CLIENT_SECRET`` set, an unauthenticated page carries the client id only, and the console asks
for the secret; only the documented default is ever shown."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from medley.config import DEFAULT_SANDBOX_CLIENT_ID, DEFAULT_SANDBOX_CLIENT_SECRET
from tests.security.conftest import Gateway, gateway_running

CUSTOM_SECRET = "our-own-sandbox-secret-5e2a9c71d4b8"


@pytest.fixture(scope="module")
def custom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    env = {"MEDLEY_SANDBOX_CLIENT_SECRET": CUSTOM_SECRET}
    with gateway_running(tmp_path_factory.mktemp("medley-custom-secret"), env) as running:
        yield running


def _config(page: str, element_id: str) -> dict[str, object]:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.S)
    assert match, f"the page carries its {element_id} block"
    config: dict[str, object] = json.loads(match.group(1))
    return config


def _leaks(text: str, secret: str) -> bool:
    return any(form in text for form in (secret, quote(secret), json.dumps(secret)[1:-1]))


def test_an_unauthenticated_console_page_does_not_carry_a_custom_secret(custom: Gateway) -> None:
    page = httpx.get(custom.url + "/console", timeout=30.0)
    assert page.status_code == 200
    assert not _leaks(page.text, CUSTOM_SECRET)
    config = _config(page.text, "medley-console-config")
    assert config["headers"] == {"x-leyr-client-id": DEFAULT_SANDBOX_CLIENT_ID}
    assert config["askSecret"] is True
    assert 'id="secret-form"' in page.text and 'id="secret-input"' in page.text


def test_the_api_docs_do_not_carry_a_custom_secret_either(custom: Gateway) -> None:
    for path in ("/docs", "/redoc"):
        page = httpx.get(custom.url + path, timeout=30.0)
        assert page.status_code == 200
        assert not _leaks(page.text, CUSTOM_SECRET), path
    presets = _config(httpx.get(custom.url + "/docs", timeout=30.0).text, "medley-docs-config")["authorize"]
    assert presets == {"ClientId": DEFAULT_SANDBOX_CLIENT_ID}


def test_the_custom_secret_still_works_for_whoever_knows_it(custom: Gateway) -> None:
    headers = {"x-leyr-client-id": DEFAULT_SANDBOX_CLIENT_ID, "x-leyr-client-secret": CUSTOM_SECRET}
    assert httpx.get(custom.url + "/api/emrs", headers=headers, timeout=30.0).status_code == 200


def test_the_documented_default_secret_is_still_shown(gateway: Gateway) -> None:
    config = _config(httpx.get(gateway.url + "/console", timeout=30.0).text, "medley-console-config")
    assert config["headers"] == {
        "x-leyr-client-id": DEFAULT_SANDBOX_CLIENT_ID,
        "x-leyr-client-secret": DEFAULT_SANDBOX_CLIENT_SECRET,
    }
    assert config["askSecret"] is False
