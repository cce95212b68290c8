"""Acuity's limits (10 requests per second, 20 at once, per source address), fault injection, and signed
webhook deliveries."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from datetime import timedelta
from urllib.parse import parse_qs

import httpx
import pytest

from medley.sandbox.acuity.seed_data import FOLLOW_UP, OKAFOR
from medley.sandbox.acuity.server import AcuitySandbox
from tests.sandbox.acuity.conftest import API_KEY, NOW, AcuityFactory, client_for
from tests.sandbox.acuity.helpers import book, free_run

RATE_LIMITED = {
    "status_code": 429,
    "error": "too_many_requests",
    "message": "Rate limit reached. Limit 10req/s and 20 concurrent connections.",
}


async def test_the_eleventh_request_in_one_second_is_refused(make_acuity: AcuityFactory) -> None:
    second = [1_900_000_000.0]
    limited = make_acuity(rate_limit_per_second=10, rate_clock=lambda: second[0])
    async with limited as sandbox, client_for(sandbox) as api:
        statuses = [(await api.get("/me")).status_code for _ in range(10)]
        refused = await api.get("/me")
        second[0] += 1
        next_second = await api.get("/me")
    assert statuses == [200] * 10
    assert refused.status_code == 429 and refused.json() == RATE_LIMITED
    assert next_second.status_code == 200


async def test_more_than_twenty_requests_at_once_are_refused(make_acuity: AcuityFactory) -> None:
    async with make_acuity(latency_ms=300) as sandbox, client_for(sandbox) as api:
        answers = await asyncio.gather(*(api.get("/calendars") for _ in range(25)))
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [200] * 20 + [429] * 5
    assert next(a for a in answers if a.status_code == 429).json() == RATE_LIMITED


async def test_faults_are_injected_on_request(api: httpx.AsyncClient) -> None:
    throttled = await api.get("/me", headers={"X-Medley-Fault": "403"})
    assert throttled.status_code == 403 and throttled.text.rstrip().endswith("</html>")
    assert (await api.get("/me", headers={"X-Medley-Fault": "429"})).json() == RATE_LIMITED
    broken = await api.get("/me", headers={"X-Medley-Fault": "500"})
    assert broken.status_code == 500 and set(broken.json()) == {"status_code", "message", "error"}
    assert (await api.get("/me", headers={"X-Medley-Fault": "418"})).status_code == 400


@pytest.mark.parametrize("event", ["appointment.scheduled", "appointment.changed"])
async def test_webhooks_are_signed_form_posts(make_acuity: AcuityFactory, event: str) -> None:
    received: list[httpx.Request] = []

    def target(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200)

    async with make_acuity(webhook_transport=httpx.MockTransport(target)) as sandbox, client_for(sandbox) as api:
        hook = await api.post("/webhooks", json={"event": event, "target": "https://hooks.example.com/acuity"})
        assert hook.status_code == 200 and hook.json()["status"] == "active"
        start = await free_run(api, FOLLOW_UP, OKAFOR, NOW.date() + timedelta(days=5), ())
        booked = (await book(api, FOLLOW_UP, OKAFOR, start)).json()
        await sandbox.context.webhooks.drain()
    assert len(received) == 1
    delivery = received[0]
    assert delivery.headers["content-type"] == "application/x-www-form-urlencoded"
    expected = base64.b64encode(hmac.new(API_KEY.encode(), delivery.content, hashlib.sha256).digest()).decode()
    assert delivery.headers["x-acuity-signature"] == expected
    fields = {key: values[0] for key, values in parse_qs(delivery.content.decode()).items()}
    assert fields == {
        "action": event,
        "id": str(booked["id"]),
        "calendarID": str(OKAFOR),
        "appointmentTypeID": str(FOLLOW_UP),
    }


async def test_an_account_holds_at_most_25_webhooks(acuity: AcuitySandbox) -> None:
    async with client_for(acuity) as api:
        for n in range(25):
            made = await api.post(
                "/webhooks", json={"event": "appointment.changed", "target": f"https://h.example.com/{n}"}
            )
            assert made.status_code == 200
        refused = await api.post(
            "/webhooks", json={"event": "appointment.changed", "target": "https://h.example.com/x"}
        )
        assert refused.status_code == 400
        first = (await api.get("/webhooks")).json()[0]
        assert (await api.delete(f"/webhooks/{first['id']}")).status_code == 204
        assert len((await api.get("/webhooks")).json()) == 24
