"""Events and signed webhooks, over HTTP, against a real server: every delivery is verified by the
independent ``standardwebhooks`` library in the receiver."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from tests.events.conftest import Deployment
from tests.events.receiver import Receiver, always, running_receiver
from tests.support.server import free_port

Json = Any


def _unit(api: httpx.Client) -> str:
    return str(api.get("/emrs/cliniko/care-units").json()[0]["id"])


def _new_patient(api: httpx.Client, unit: str) -> dict[str, Json]:
    person = {"first_name": "Grace", "last_name": f"Events-{uuid.uuid4().hex[:10]}", "birth_date": "1990-01-02"}
    created = api.post(f"/emrs/cliniko/care-units/{unit}/patients", json=person)
    assert created.status_code == 201, created.text
    return dict(created.json())


@contextmanager
def subscribed(api: httpx.Client, receiver: Receiver, events: list[str] | None = None) -> Iterator[dict[str, Json]]:
    body: dict[str, Json] = {"url": receiver.url, "description": "test receiver"}
    if events is not None:
        body["events"] = events
    created = api.post("/webhooks", json=body)
    assert created.status_code == 201, created.text
    webhook = dict(created.json())
    receiver.secrets.append(webhook["secret"])
    try:
        yield webhook
    finally:
        api.delete(f"/webhooks/{webhook['id']}")


def _events_of(api: httpx.Client, **params: str) -> list[dict[str, Json]]:
    """The whole log, paged 1 at a time with the cursor."""
    seen: list[dict[str, Json]] = []
    after: str | None = None
    while True:
        query = {**params, "limit": "50"} if after is None else {**params, "limit": "50", "after": after}
        page = api.get("/events", params=query)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += body["data"]
        after = body["next_after"]
        if not body["has_more"]:
            return seen


def _wait_for_event(api: httpx.Client, record_key: str, record_id: str, timeout: float = 15.0) -> dict[str, Json]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in _events_of(api):
            if event["data"].get(record_key) == record_id:
                return event
        time.sleep(0.1)
    raise AssertionError(f"no event for {record_key}={record_id}")


def test_a_new_patient_reaches_the_receiver_signed_and_is_in_the_log(api: httpx.Client) -> None:
    unit = _unit(api)
    with running_receiver() as receiver, subscribed(api, receiver, ["patient.created"]) as webhook:
        assert webhook["secret"].startswith("whsec_")
        assert "secret" not in api.get(f"/webhooks/{webhook['id']}").json()
        patient = _new_patient(api, unit)
        [delivery] = receiver.wait_for(1)
        assert delivery.verified_with == [webhook["secret"]]
        event = delivery.event
        assert event["type"] == "patient.created" and event["data"]["patient_id"] == patient["id"]
        assert delivery.webhook_id == event["id"] and event["id"].startswith("evt_")
        assert event["emr"] == "cliniko" and event["care_unit_id"] == unit
        # Thin: ids only, never the name.
        assert patient["last_name"] not in delivery.body.decode()
        assert [e for e in _events_of(api) if e["id"] == event["id"]] == [event]
        # The same person again is the existing patient: no second event.
        again = api.post(
            f"/emrs/cliniko/care-units/{unit}/patients",
            json={"first_name": "Grace", "last_name": patient["last_name"], "birth_date": "1990-01-02"},
        )
        assert again.status_code == 200
        time.sleep(0.5)
        assert len(receiver.accepted()) == 1
        assert [e for e in _events_of(api) if e["data"].get("patient_id") == patient["id"]] == [event]


def test_notes_and_documents_are_events_and_types_filter_the_log(api: httpx.Client) -> None:
    unit = _unit(api)
    patient = _new_patient(api, unit)
    base = f"/emrs/cliniko/care-units/{unit}/patients/{patient['id']}"
    note = api.post(
        f"{base}/medical-notes", json={"template_id": "leyr_unstructured", "content": {"unstructured": "x"}}
    )
    assert note.status_code == 201, note.text
    doc = api.post(
        f"{base}/documents",
        json={"content": base64.b64encode(b"%PDF-1.4 x").decode(), "format": "application/pdf", "title": "t"},
    )
    assert doc.status_code == 201, doc.text
    note_event = _wait_for_event(api, "medical_note_id", note.json()["id"])
    assert note_event["type"] == "medical_note.created" and note_event["data"]["patient_id"] == patient["id"]
    doc_event = _wait_for_event(api, "document_id", doc.json()["id"])
    assert doc_event["type"] == "document.created"
    only_docs = _events_of(api, types="document.created")
    assert doc_event in only_docs and all(e["type"] == "document.created" for e in only_docs)
    ids = [e["id"] for e in _events_of(api)]
    assert len(ids) == len(set(ids))  # paging never repeats
    assert ids.index(note_event["id"]) < ids.index(doc_event["id"])  # oldest first


def test_a_receiver_that_fails_twice_gets_the_event_three_times_with_one_id(api: httpx.Client) -> None:
    unit = _unit(api)
    with running_receiver(lambda n: (500, {}) if n <= 2 else (200, {})) as receiver, subscribed(api, receiver):
        patient = _new_patient(api, unit)
        deliveries = receiver.wait_for(3)
        time.sleep(0.5)
        assert len(receiver.accepted()) == 3
        assert {d.webhook_id for d in deliveries} == {deliveries[0].event["id"]}
        assert all(d.verified_with for d in deliveries)
        assert deliveries[0].event["data"]["patient_id"] == patient["id"]
        assert len({d.body for d in deliveries}) == 1


def test_a_receiver_down_for_the_whole_run_gets_everything_once_back(
    api: httpx.Client, deployment: Deployment
) -> None:
    unit = _unit(api)
    port = free_port()
    url = f"http://127.0.0.1:{port}/hooks"
    created = api.post("/webhooks", json={"url": url, "events": ["patient.created"]})
    assert created.status_code == 201
    webhook = created.json()
    try:
        patients = [_new_patient(api, unit)["id"] for _ in range(3)]
        time.sleep(1.5)  # several attempts meet a closed port
        listed = api.get(f"/webhooks/{webhook['id']}/deliveries").json()
        assert len(listed) == 3 and all(d["status"] == "pending" for d in listed)
        assert all(d["attempts"] >= 1 and d["next_attempt_at"] for d in listed)
        with running_receiver(port=port) as receiver:
            receiver.secrets.append(webhook["secret"])
            deliveries = receiver.wait_for(3, timeout=30)
            time.sleep(0.5)
            assert Counter(d.webhook_id for d in receiver.accepted()).most_common(1)[0][1] == 1
            assert sorted(d.event["data"]["patient_id"] for d in deliveries) == sorted(patients)
            assert all(d.verified_with for d in deliveries)
        listed = api.get(f"/webhooks/{webhook['id']}/deliveries").json()
        assert all(d["status"] == "succeeded" and d["last_status_code"] == 200 for d in listed)
    finally:
        api.delete(f"/webhooks/{webhook['id']}")


def test_retry_after_is_honoured_on_429(api: httpx.Client) -> None:
    unit = _unit(api)
    answers = lambda n: (429, {"Retry-After": "2"}) if n == 1 else (200, {})  # noqa: E731
    with running_receiver(answers) as receiver, subscribed(api, receiver, ["patient.created"]):
        _new_patient(api, unit)
        first, second = receiver.wait_for(2)
        assert int(second.timestamp) - int(first.timestamp) >= 2


def test_410_disables_the_webhook(api: httpx.Client) -> None:
    unit = _unit(api)
    with running_receiver(always(410)) as receiver, subscribed(api, receiver, ["patient.created"]) as webhook:
        _new_patient(api, unit)
        receiver.wait_for(1)
        deadline = time.monotonic() + 10
        while api.get(f"/webhooks/{webhook['id']}").json()["enabled"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert "410" in api.get(f"/webhooks/{webhook['id']}").json()["disabled_reason"]
        [delivery] = api.get(f"/webhooks/{webhook['id']}/deliveries").json()
        assert delivery["status"] == "failed" and delivery["last_status_code"] == 410
        _new_patient(api, unit)
        time.sleep(0.5)
        assert len(receiver.accepted()) == 1
        enabled = api.patch(f"/webhooks/{webhook['id']}", json={"enabled": True})
        assert enabled.json()["enabled"] is True and enabled.json()["disabled_reason"] is None


def test_a_rotated_secret_signs_with_both_during_the_overlap(api: httpx.Client) -> None:
    unit = _unit(api)
    with running_receiver() as receiver, subscribed(api, receiver, ["patient.created"]) as webhook:
        rotated = api.post(f"/webhooks/{webhook['id']}/rotate-secret")
        assert rotated.status_code == 200, rotated.text
        new_secret = rotated.json()["secret"]
        assert new_secret != webhook["secret"] and rotated.json()["previous_secret_expires_at"]
        receiver.secrets.append(new_secret)
        _new_patient(api, unit)
        [delivery] = receiver.wait_for(1)
        assert sorted(delivery.verified_with) == sorted([webhook["secret"], new_secret])
        assert len(delivery.signatures.split(" ")) == 2


def test_deliveries_are_listed_and_can_be_sent_again(api: httpx.Client) -> None:
    unit = _unit(api)
    with running_receiver() as receiver, subscribed(api, receiver, ["patient.created"]) as webhook:
        _new_patient(api, unit)
        [first] = receiver.wait_for(1)
        deadline = time.monotonic() + 10
        while True:
            [delivery] = api.get(f"/webhooks/{webhook['id']}/deliveries").json()
            if delivery["status"] == "succeeded":
                break
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert delivery["event_id"] == first.webhook_id and delivery["event_type"] == "patient.created"
        retried = api.post(f"/webhooks/{webhook['id']}/deliveries/{delivery['id']}/retry")
        assert retried.status_code == 202, retried.text
        _, again = receiver.wait_for(2)
        assert again.webhook_id == first.webhook_id and again.body == first.body


def test_webhooks_are_changed_listed_and_removed(api: httpx.Client) -> None:
    created = api.post("/webhooks", json={"url": "http://127.0.0.1:9/a", "events": ["appointment.created"]})
    assert created.status_code == 201
    webhook_id = created.json()["id"]
    changed = api.patch(
        f"/webhooks/{webhook_id}",
        json={"url": "http://127.0.0.1:9/b", "events": ["appointment.cancelled", "appointment.created"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["events"] == ["appointment.cancelled", "appointment.created"]
    assert webhook_id in [w["id"] for w in api.get("/webhooks").json()]
    assert api.delete(f"/webhooks/{webhook_id}").status_code == 204
    assert api.get(f"/webhooks/{webhook_id}").status_code == 404
    assert api.delete(f"/webhooks/{webhook_id}").status_code == 404


def test_bad_input_is_a_400_problem(api: httpx.Client) -> None:
    cases = [
        api.get("/events", params={"after": "evt_nothing"}),
        api.get("/events", params={"types": "appointment.teleported"}),
        api.get("/events", params={"limit": "0"}),
        api.post("/webhooks", json={"url": "ftp://127.0.0.1/x"}),
        api.post("/webhooks", json={"url": "http://127.0.0.1:9/x", "events": ["nope"]}),
        api.post("/webhooks", json={"url": "http://127.0.0.1:9/x", "surprise": 1}),
        api.post("/webhooks", json={"url": "http://10.0.0.8/x"}),
        api.post("/webhooks", json={"url": "http://169.254.169.254/latest/meta-data"}),
    ]
    for response in cases:
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "BAD_REQUEST"


def test_another_applications_webhooks_and_events_are_invisible(
    api: httpx.Client, deployment: Deployment
) -> None:
    mine = api.post("/webhooks", json={"url": "http://127.0.0.1:9/mine"}).json()
    _new_patient(api, _unit(api))
    created = deployment.cli("apps", "create", "Other clinic app")
    assert created.returncode == 0, created.stderr
    values = dict(
        line.strip().split(":", 1) for line in created.stdout.splitlines() if line.strip().startswith("client")
    )
    other_headers = {"x-leyr-client-id": values["client id"].strip(),
                     "x-leyr-client-secret": values["client secret"].strip()}
    try:
        with httpx.Client(base_url=deployment.base_url + "/api", headers=other_headers, timeout=30) as other:
            assert other.get(f"/webhooks/{mine['id']}").status_code == 404
            assert other.patch(f"/webhooks/{mine['id']}", json={"enabled": False}).status_code == 404
            assert other.delete(f"/webhooks/{mine['id']}").status_code == 404
            assert other.post(f"/webhooks/{mine['id']}/rotate-secret").status_code == 404
            assert other.get(f"/webhooks/{mine['id']}/deliveries").status_code == 404
            assert other.get("/webhooks").json() == []
            assert other.get("/events").json()["data"] == []
            some_event = api.get("/events").json()["data"][0]["id"]
            assert other.get("/events", params={"after": some_event}).status_code == 400
    finally:
        api.delete(f"/webhooks/{mine['id']}")


def test_the_cli_lists_adds_and_removes_webhooks(deployment: Deployment) -> None:
    added = deployment.cli("webhooks", "add", "--app", "sandbox", "--url", "http://127.0.0.1:9/cli",
                           "--events", "appointment.created")
    assert added.returncode == 0, added.stderr
    assert "whsec_" in added.stdout
    webhook_id = added.stdout.split("Created webhook ", 1)[1].split(".", 1)[0]
    listed = deployment.cli("webhooks", "list", "--app", "sandbox")
    assert webhook_id in listed.stdout and "whsec_" not in listed.stdout
    deliveries = deployment.cli("webhooks", "deliveries", "--app", "sandbox", webhook_id)
    assert deliveries.returncode == 0 and "no deliveries" in deliveries.stdout
    removed = deployment.cli("webhooks", "remove", "--app", "sandbox", webhook_id)
    assert removed.returncode == 0, removed.stderr
    assert webhook_id not in deployment.cli("webhooks", "list", "--app", "sandbox").stdout


def _slots(api: httpx.Client, unit: str, **params: str) -> list[dict[str, Json]]:
    response = api.get(f"/emrs/cliniko/care-units/{unit}/timeslots", params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


def _appointment_events(receiver: Receiver, appointment_id: str, count: int) -> list[dict[str, Json]]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = [d.event for d in receiver.accepted() if d.event["data"].get("appointment_id") == appointment_id]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"expected {count} events of appointment {appointment_id}")


def test_a_booking_a_move_and_a_cancel_are_three_exact_events(api: httpx.Client) -> None:
    unit = _unit(api)
    patient = _new_patient(api, unit)
    base = f"/emrs/cliniko/care-units/{unit}"
    kinds = ["created", "rescheduled", "cancelled", "updated"]
    with running_receiver() as receiver, subscribed(api, receiver, [f"appointment.{k}" for k in kinds]):
        slot = _slots(api, unit)[0]
        booked = api.post(f"{base}/appointments", json={**slot, "patient_id": patient["id"]})
        assert booked.status_code == 201, booked.text
        appointment = booked.json()[0]
        [created] = _appointment_events(receiver, appointment["id"], 1)
        assert created["type"] == "appointment.created" and created["data"]["status"] == "booked"
        later = next(
            s for s in _slots(api, unit, resource_id=slot["resource_id"],
                              healthcare_service_id=slot["healthcare_service_id"])
            if s["start"] != slot["start"]
        )
        moved = api.patch(
            f"{base}/appointments/{appointment['id']}", json={"start": later["start"], "end": later["end"]}
        )
        assert moved.status_code == 200, moved.text
        assert _appointment_events(receiver, appointment["id"], 2)[1]["type"] == "appointment.rescheduled"
        cancelled = api.patch(f"{base}/appointments/{appointment['id']}", json={"status": "cancelled"})
        assert cancelled.status_code == 200, cancelled.text
        assert _appointment_events(receiver, appointment["id"], 3)[2]["type"] == "appointment.cancelled"
        time.sleep(2)  # the sync reads the same changes again: still one event per change
        assert [e["type"] for e in _appointment_events(receiver, appointment["id"], 3)] == [
            "appointment.created", "appointment.rescheduled", "appointment.cancelled"
        ]


def test_webhook_calls_are_audited_with_ids_only(api: httpx.Client, deployment: Deployment) -> None:
    created = api.post("/webhooks", json={"url": "http://127.0.0.1:9/audited", "description": "front desk"})
    webhook_id = created.json()["id"]
    assert api.delete(f"/webhooks/{webhook_id}").status_code == 204
    deadline = time.monotonic() + 15
    while True:
        trail = deployment.cli("audit", "--app", "sandbox", "--json", "--limit", "200")
        records = [json.loads(line) for line in trail.stdout.splitlines() if line.startswith("{")]
        mine = [r for r in records if webhook_id in r["record_ids"]]
        if {r["operation"] for r in mine} >= {"webhooks.create", "webhooks.delete"}:
            break
        assert time.monotonic() < deadline, trail.stdout[-2000:]
        time.sleep(0.3)
    assert "whsec_" not in trail.stdout and "front desk" not in trail.stdout
