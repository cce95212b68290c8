"""Pure rules of delivery: the retry schedule, Retry-After, signatures, and where a webhook may go."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from standardwebhooks import Webhook

from medley.config import Settings
from medley.domain.errors import MedleyError
from medley.events import schedule, signing
from medley.events.subscriptions import generate_secret
from medley.events.targets import TargetRefused, check_url, resolve

PRODUCTION = Settings(sandbox=False, master_key="x" * 40)
SANDBOX = Settings(sandbox=True)


def test_the_schedule_retries_for_at_least_48_hours_with_growing_jittered_delays() -> None:
    shortest = sum(schedule.RETRY_DELAYS_SECONDS)
    assert shortest >= 48 * 3600
    delays = [schedule.next_delay(n, scale=1.0) for n in range(1, schedule.MAX_ATTEMPTS)]
    assert all(d is not None for d in delays)
    seconds = [d.total_seconds() for d in delays if d is not None]
    assert seconds == sorted(seconds) or all(
        base <= s <= base * 1.25 for s, base in zip(seconds, schedule.RETRY_DELAYS_SECONDS, strict=True)
    )
    assert schedule.next_delay(schedule.MAX_ATTEMPTS, scale=1.0) is None
    scaled = schedule.next_delay(1, scale=0.001)
    assert scaled is not None and scaled.total_seconds() <= 5 * 0.001 * 1.25


def test_retry_after_is_a_floor_and_is_capped() -> None:
    delay = schedule.next_delay(1, scale=0.001, retry_after=120)
    assert delay is not None and delay.total_seconds() == 120
    capped = schedule.next_delay(1, scale=1.0, retry_after=10**9)
    assert capped is not None and capped.total_seconds() == schedule.MAX_RETRY_AFTER_SECONDS
    assert schedule.parse_retry_after("7") == 7.0
    assert schedule.parse_retry_after("soon") is None
    assert schedule.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_signatures_verify_with_the_standardwebhooks_library() -> None:
    old, new = generate_secret(), generate_secret()
    body = json.dumps({"id": "evt_1", "type": "patient.created"}).encode()
    import time

    now = int(time.time())
    headers = signing.headers([new, old], "evt_1", now, body)
    assert headers["webhook-id"] == "evt_1"
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers) == {"id": "evt_1", "type": "patient.created"}
    assert len(base64.b64decode(new.removeprefix("whsec_"))) == 24


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",  # plain http outside sandbox mode
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://user:pw@example.com/hook",
        "ftp://example.com/hook",
        "https:///nohost",
    ],
)
def test_unsafe_urls_are_refused_outside_sandbox_mode(url: str) -> None:
    with pytest.raises(MedleyError) as refused:
        check_url(url, PRODUCTION)
    assert refused.value.status == 400


def test_sandbox_mode_allows_http_and_loopback_but_not_the_private_network() -> None:
    check_url("http://127.0.0.1:8080/hook", SANDBOX)
    with pytest.raises(MedleyError):
        check_url("http://10.0.0.5/hook", SANDBOX)
    target = asyncio.run(resolve("http://localhost:8080/hook?x=1", SANDBOX))
    assert target.host == "localhost" and target.host_header == "localhost:8080"
    assert target.port == 8080 and target.path == "/hook?x=1" and target.address in ("127.0.0.1", "::1")


def test_a_name_resolving_to_loopback_is_refused_outside_sandbox_mode() -> None:
    with pytest.raises(TargetRefused):
        asyncio.run(resolve("https://localhost/hook", PRODUCTION))


def test_the_operator_can_allow_private_addresses() -> None:
    allowed = Settings(sandbox=False, master_key="x" * 40, webhook_allow_private_urls=True)
    check_url("http://10.0.0.5/hook", allowed)
    check_url("https://127.0.0.1/hook", allowed)
