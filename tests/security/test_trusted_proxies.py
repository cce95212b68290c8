"""X-Forwarded-For is believed only from the proxies in ``MEDLEY_TRUSTED_PROXIES`` (none by default): anything
else on the gateway's host cannot rotate it to escape the failed-login throttle."""

from __future__ import annotations

from pathlib import Path

import httpx

from medley.config import DEFAULT_SANDBOX_CLIENT_ID
from tests.security.conftest import gateway_running

FAILURES = 3
WRONG = {"x-leyr-client-id": DEFAULT_SANDBOX_CLIENT_ID, "x-leyr-client-secret": "not-the-sandbox-secret-1234"}


def _statuses(url: str, addresses: list[str]) -> list[int]:
    with httpx.Client(base_url=url, timeout=60.0) as client:
        return [
            client.get("/api/emrs", headers={**WRONG, "x-forwarded-for": address}).status_code
            for address in addresses
        ]


def test_forwarded_addresses_from_an_untrusted_peer_are_ignored(tmp_path: Path) -> None:
    env = {"MEDLEY_AUTH_FAILURES_PER_MINUTE": str(FAILURES)}
    with gateway_running(tmp_path, env) as gateway:
        rotated = _statuses(gateway.url, [f"198.51.100.{i}" for i in range(1, FAILURES + 3)])
    assert rotated == [401] * FAILURES + [429, 429]


def test_forwarded_addresses_from_a_trusted_proxy_name_the_client(tmp_path: Path) -> None:
    env = {"MEDLEY_AUTH_FAILURES_PER_MINUTE": str(FAILURES), "MEDLEY_TRUSTED_PROXIES": "10.9.9.9, 127.0.0.0/8"}
    with gateway_running(tmp_path, env) as gateway:
        rotated = _statuses(gateway.url, [f"198.51.100.{i}" for i in range(1, FAILURES + 3)])
        same = _statuses(gateway.url, ["203.0.113.7"] * (FAILURES + 1))
    assert rotated == [401] * (FAILURES + 2)
    assert same == [401] * FAILURES + [429]
