"""Acuity's own webhooks feed events (issue 14, item 6), over HTTP against a real ``medley serve``.

The sync runs once at start (its interval here is ten minutes): every event below comes from Acuity's
signed deliveries, which the embedded emulator sends to the gateway's inbound route. A change seen twice
(the delivery, then the sync; or our own write, then the delivery) is still one event; a delivery that is
not signed with the account's key is refused and changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from medley.config import DEFAULT_SANDBOX_ACUITY_API_KEY, DEFAULT_SANDBOX_ACUITY_USER_ID
from medley.sandbox.acuity.seed_data import FOLLOW_UP, OKAFOR
from tests.e2e.conftest import SANDBOX_HEADERS
from tests.support.postgres import store_env
from tests.support.server import running_medley

STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
SYNC_INTERVAL_SECONDS = 600.0
QUICKLY_SECONDS = 5.0  # a delivery's event; the next sync would be ten minutes away
PUSH_ENV = {
    "MEDLEY_SYNC_INTERVAL_SECONDS": str(SYNC_INTERVAL_SECONDS),
    "MEDLEY_SYNC_RECONCILE_SECONDS": "3600",
    "MEDLEY_SYNC_LEASE_SECONDS": "30",
    "MEDLEY_SANDBOX_ACUITY_RATE_LIMIT_PER_SECOND": "0",
}
INBOUND_PATH = "/api/inbound/acuity/"


@pytest.fixture(scope="module", params=STORES)
def server_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("medley-acuity-push")
    with ExitStack() as stack:
        env = {**store_env(request.param, stack, "medley_acuity_push"), **PUSH_ENV}
        yield stack.enter_context(running_medley("serve", env, data_dir))


@pytest.fixture
def api(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url + "/api", headers=SANDBOX_HEADERS, timeout=30.0) as client:
        yield client


@pytest.fixture
def acuity(server_url: str) -> Iterator[httpx.Client]:
    """The embedded Acuity emulator's own API, as the practice's front desk (or Acuity's app) uses it."""
    with httpx.Client(
        base_url=server_url + "/sandbox/acuity/api/v1",
        auth=(DEFAULT_SANDBOX_ACUITY_USER_ID, DEFAULT_SANDBOX_ACUITY_API_KEY),
        timeout=30.0,
    ) as client:
        yield client


@pytest.fixture
def registration(acuity: httpx.Client) -> dict[str, Any]:
    """Medley's registration with the account's webhooks (made by the sync once the mirror is live)."""
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        ours = [h for h in acuity.get("/webhooks").json() if INBOUND_PATH in h["target"]]
        if ours:
            assert len(ours) == 1, ours
            return dict(ours[0])
        time.sleep(0.2)
    raise TimeoutError("Medley did not register with the Acuity account's webhooks")


def _events_of(api: httpx.Client, appointment_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = api.get("/events", params={"limit": "500", **({"after": after} if after else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        found += [e for e in body["data"] if e["data"].get("appointment_id") == appointment_id]
        if not body["has_more"]:
            return found
        after = body["next_after"]


def _wait_for_types(api: httpx.Client, appointment_id: str, types: list[str], within: float) -> list[str]:
    deadline = time.monotonic() + within
    while True:
        seen = [e["type"] for e in _events_of(api, appointment_id)]
        if seen == types or time.monotonic() > deadline:
            return seen
        time.sleep(0.05)


def _free_times(acuity: httpx.Client, count: int) -> list[str]:
    """``count`` free starts of the follow-up with Dr Okafor, a few days out (past the minimum notice)."""
    found: list[str] = []
    first = datetime.now(UTC).date() + timedelta(days=3)
    for day in (first + timedelta(days=n) for n in range(21)):
        found += _times(acuity, day)
        if len(found) >= count:
            return found[:count]
    raise AssertionError("no free follow-up times in three weeks")


def _times(acuity: httpx.Client, day: date) -> list[str]:
    answer = acuity.get(
        "/availability/times",
        params={"date": day.isoformat(), "appointmentTypeID": FOLLOW_UP, "calendarID": OKAFOR},
    )
    assert answer.status_code == 200, answer.text
    return [slot["time"] for slot in answer.json()]


def _book(acuity: httpx.Client, when: str, email: str) -> str:
    made = acuity.post(
        "/appointments",
        json={
            "datetime": when, "appointmentTypeID": FOLLOW_UP, "calendarID": OKAFOR,
            "firstName": "Robin", "lastName": "Frontdesk", "email": email,
        },
    )
    assert made.status_code == 200, made.text
    return str(made.json()["id"])


def _signed(body: bytes, key: str = DEFAULT_SANDBOX_ACUITY_API_KEY) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def test_a_booking_made_in_acuity_gives_one_event_at_once_and_each_change_one_more(
    server_url: str, api: httpx.Client, acuity: httpx.Client, registration: dict[str, Any]
) -> None:
    assert registration["event"] == "appointment.changed"  # the catch-all: one delivery per change
    first, later = _free_times(acuity, 2)
    appointment = _book(acuity, first, "push.one@example.com")

    started = time.monotonic()
    assert _wait_for_types(api, appointment, ["appointment.created"], QUICKLY_SECONDS) == ["appointment.created"]
    assert time.monotonic() - started < QUICKLY_SECONDS < SYNC_INTERVAL_SECONDS
    created = _events_of(api, appointment)[0]
    assert created["emr"] == "acuity" and created["data"]["resource_id"] == str(OKAFOR)
    assert "Robin" not in str(created) and "example.com" not in str(created), "events carry no names or e-mails"

    moved = acuity.put(f"/appointments/{appointment}/reschedule", json={"datetime": later})
    assert moved.status_code == 200, moved.text
    expected = ["appointment.created", "appointment.rescheduled"]
    assert _wait_for_types(api, appointment, expected, QUICKLY_SECONDS) == expected

    cancelled = acuity.put(f"/appointments/{appointment}/cancel", json={"cancelNote": "Unwell."})
    assert cancelled.status_code == 200, cancelled.text
    expected.append("appointment.cancelled")
    assert _wait_for_types(api, appointment, expected, QUICKLY_SECONDS) == expected

    # A details edit changes nothing an event reports; a delivery repeated (Acuity may send one twice) adds
    # nothing either.
    assert acuity.put(f"/appointments/{appointment}", json={"phone": "(312) 555-0100"}).status_code == 200
    body = urlencode({"action": "appointment.changed", "id": appointment}).encode()
    again = httpx.post(
        server_url + urlsplit(registration["target"]).path,
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded", "x-acuity-signature": _signed(body)},
    )
    assert again.status_code == 204, again.text
    time.sleep(1.0)
    assert [e["type"] for e in _events_of(api, appointment)] == expected


def test_our_own_booking_heard_again_from_acuity_is_still_one_event(
    api: httpx.Client, acuity: httpx.Client, registration: dict[str, Any]
) -> None:
    unit = api.get("/emrs/acuity/care-units").json()[0]["id"]
    prefix = f"/emrs/acuity/care-units/{unit}"
    patient = api.post(
        f"{prefix}/patients", json={"first_name": "Sam", "last_name": "Gateway", "emails": ["sam.gw@example.com"]}
    )
    assert patient.status_code in (200, 201), patient.text
    when = datetime.strptime(_free_times(acuity, 1)[0], "%Y-%m-%dT%H:%M:%S%z")
    booked = api.post(
        f"{prefix}/appointments",
        json={
            "start": when.isoformat(), "end": (when + timedelta(minutes=30)).isoformat(),
            "patient_id": patient.json()["id"], "resource_id": str(OKAFOR), "healthcare_service_id": str(FOLLOW_UP),
        },
    )
    assert booked.status_code == 201, booked.text
    appointment = booked.json()[0]["id"]
    # Acuity's delivery about our own booking arrives after we recorded it: nothing more to say.
    time.sleep(1.5)
    assert [e["type"] for e in _events_of(api, appointment)] == ["appointment.created"]


def test_an_unsigned_or_forged_delivery_is_refused_and_changes_nothing(
    server_url: str, api: httpx.Client, acuity: httpx.Client, registration: dict[str, Any]
) -> None:
    # Take Medley's registration away, so that only the calls below could tell it about this booking.
    assert acuity.delete(f"/webhooks/{registration['id']}").status_code == 204
    try:
        appointment = _book(acuity, _free_times(acuity, 1)[0], "push.forged@example.com")
        url = server_url + urlsplit(registration["target"]).path
        body = urlencode({"action": "appointment.scheduled", "id": appointment}).encode()
        form = {"content-type": "application/x-www-form-urlencoded"}
        other_token = url.rsplit("/", 1)[0] + "/" + "A" * 32
        attempts = [
            (url, {**form}),  # unsigned
            (url, {**form, "x-acuity-signature": _signed(body, "not-the-account-key")}),
            (url, {**form, "x-acuity-signature": _signed(body + b"&x=1")}),  # signed, but another body
            (other_token, {**form, "x-acuity-signature": _signed(body)}),  # no such connection
            (url.replace("/acuity/", "/cliniko/"), {**form, "x-acuity-signature": _signed(body)}),
        ]
        for target, headers in attempts:
            refused = httpx.post(target, content=body, headers=headers)
            assert refused.status_code == 401, (target, refused.text)
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.json()["code"] == "UNAUTHORIZED"
        time.sleep(0.5)
        assert _events_of(api, appointment) == [], "a refused call changed something"

        # The same call signed with the account's key is believed (the safety net without the push: the sync).
        accepted = httpx.post(url, content=body, headers={**form, "x-acuity-signature": _signed(body)})
        assert accepted.status_code == 204, accepted.text
        assert [e["type"] for e in _events_of(api, appointment)] == ["appointment.created"]
    finally:
        acuity.post("/webhooks", json={"event": registration["event"], "target": registration["target"]})

