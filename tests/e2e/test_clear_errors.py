"""A new user's mistakes get answers that say what to change: malformed JSON, a missing Content-Type, an
unencoded ``+`` in a datetime, an invalid email (refused at the edge, with its ``path``), an EHR's own field
errors mapped to our field names, and a path or method that does not exist (with a detail code)."""

from __future__ import annotations

from typing import Any

import httpx

from medley.sandbox.cliniko.seed_data import cliniko_id

UNIT = f"/emrs/cliniko/care-units/{cliniko_id(1001)}"


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["errors"], body
    return body


def test_malformed_json_says_where_and_what(api: httpx.Client) -> None:
    response = api.post(
        f"{UNIT}/patients",
        content=b'{"first_name": "Ada", "last_name": "Lovelace",}',
        headers={"content-type": "application/json"},
    )
    body = _problem(response, 400)
    assert "JSON decode error" not in body["detail"]
    assert "not valid JSON" in body["detail"] and "line 1, column 4" in body["detail"], body["detail"]
    assert body["errors"][0]["path"] == "body"


def test_a_body_without_its_content_type_is_told_to_send_one(api: httpx.Client) -> None:
    response = api.post(f"{UNIT}/patients", content=b'{"first_name": "Ada", "last_name": "Lovelace"}')
    body = _problem(response, 400)
    assert "valid dictionary" not in body["detail"]
    assert "Content-Type: application/json" in body["detail"], body["detail"]


def test_a_json_body_that_is_not_an_object_is_told_so(api: httpx.Client) -> None:
    body = _problem(api.post(f"{UNIT}/patients", json=["Ada", "Lovelace"]), 400)
    assert "a JSON object" in body["detail"], body["detail"]


def test_an_unencoded_plus_in_a_datetime_says_to_use_percent_2b(api: httpx.Client, server_url: str) -> None:
    # Typed as a user would in a shell: the "+" reaches the server raw and reads as a space.
    raw = f"{server_url}/api{UNIT}/timeslots?start=2026-12-01T10:00:00+11:00"
    body = _problem(httpx.get(raw, headers=dict(api.headers)), 400)
    assert "%2B" in body["detail"], body["detail"]
    assert body["errors"][0]["path"] == "query.start"


def test_an_invalid_email_is_refused_at_the_edge_with_its_path(api: httpx.Client) -> None:
    person = {"first_name": "Ada", "last_name": "Lovelace", "emails": ["ada.example.org"]}
    body = _problem(api.post(f"{UNIT}/patients", json=person), 400)
    assert body["errors"][0]["path"] == "body.emails.0"
    assert body["errors"][0]["emr_error"] is None  # refused by Medley, not by the EHR
    assert "email" in body["detail"]


def test_the_ehrs_field_errors_name_our_fields(api: httpx.Client) -> None:
    person = {"first_name": "Ada", "last_name": "Lovelace", "address": {"line1": "9 " + "Long Road " * 40}}
    body = _problem(api.post(f"{UNIT}/patients", json=person), 400)
    assert [e["path"] for e in body["errors"]] == ["body.address.line1"], body


def test_a_path_that_does_not_exist_has_a_detail_code(api: httpx.Client) -> None:
    body = _problem(api.get(f"{UNIT}/healthcare-services/{cliniko_id(3002)}"), 404)
    assert body["errors"][0]["error_code"] == "NOT_SUPPORTED"
    assert "/docs" in body["detail"]
    body = _problem(api.delete(f"{UNIT}/appointments/1"), 405)
    assert body["errors"][0]["error_code"] == "NOT_SUPPORTED"
    assert "PATCH" in body["detail"]
