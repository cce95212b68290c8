"""Cliniko's wire conventions: ids as strings, UTC ``Z`` times, related records as links, error pages."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from medley.sandbox.cliniko.server import ClinikoSandbox
from tests.sandbox.emulator import API_KEY, USER_AGENT, last_id

UTC_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


async def test_ids_are_strings_times_are_utc_seconds_and_relations_are_links(client: httpx.AsyncClient) -> None:
    body = (await client.get("/individual_appointments", params={"per_page": 5})).json()
    for appointment in body["individual_appointments"]:
        assert isinstance(appointment["id"], str) and appointment["id"].isdigit()
        assert UTC_SECOND.match(appointment["starts_at"]) and UTC_SECOND.match(appointment["created_at"])
        assert appointment["links"]["self"] == f"http://cliniko.test/v1/individual_appointments/{appointment['id']}"
        patient_url = appointment["patient"]["links"]["self"]
        assert patient_url.startswith("http://cliniko.test/v1/patients/")
        patient = await client.get(patient_url)
        assert patient.status_code == 200 and patient.json()["id"] == last_id(patient_url)
        assert "patient_id" not in appointment


async def test_an_unknown_route_or_wrong_method_is_rails_html_404(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/no_such_thing"),
        await client.post("/businesses", json={}),
        await client.post("/individual_appointments/1/cancel", json={}),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "doesn’t exist" in response.text


async def test_a_missing_record_is_a_json_404(client: httpx.AsyncClient) -> None:
    for path in ("/patients/999999999", "/patients/not-an-id", "/businesses/0", "/treatment_notes/42"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"status": "404", "error": "Not Found"}


async def test_a_trailing_slash_is_ignored(client: httpx.AsyncClient) -> None:
    response = await client.get("/businesses/")
    assert response.status_code == 200
    assert response.json()["businesses"]


async def test_links_follow_the_mount_prefix_and_host(sandbox: ClinikoSandbox) -> None:
    gateway = Starlette(routes=[Mount("/sandbox/cliniko", app=sandbox.app)])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=gateway),
        base_url="http://gateway.test:8000/sandbox/cliniko/v1",
        auth=(API_KEY, ""),
        headers={"User-Agent": USER_AGENT},
    ) as http:
        body = (await http.get("/businesses", params={"per_page": 1})).json()
        business = body["businesses"][0]
        assert business["links"]["self"].startswith("http://gateway.test:8000/sandbox/cliniko/v1/businesses/")
        assert body["links"]["next"].startswith("http://gateway.test:8000/sandbox/cliniko/v1/businesses?")
        assert (await http.get(business["links"]["self"])).status_code == 200
        presigned = (await http.get(f"/patients/{await _any_patient(http)}/attachment_presigned_post")).json()
        assert presigned["url"] == "http://gateway.test:8000/sandbox/cliniko/s3/medley-sandbox-uploads/"


async def _any_patient(http: httpx.AsyncClient) -> str:
    patient_id: str = (await http.get("/patients", params={"per_page": 1})).json()["patients"][0]["id"]
    return patient_id


async def test_the_key_owner_and_public_settings(client: httpx.AsyncClient) -> None:
    user = (await client.get("/user")).json()
    assert user["links"]["self"].endswith(f"/users/{user['id']}")
    assert (await client.get(user["links"]["self"])).json()["id"] == user["id"]
    settings = (await client.get("/settings/public")).json()
    assert settings["calendar"]["timeslot_size_in_minutes"] == 15
    assert settings["account"]["time_zone_support"] is True and settings["account"]["country_code"] == "AU"
    assert isinstance(settings["online_bookings"]["allow_bookings_days_in_advance"], int)


@pytest.mark.parametrize(
    "body",
    [
        {"first_name": "Nul\u0000l", "last_name": "Character"},
        {"first_name": "Nested", "last_name": "Character", "patient_phone_numbers": [{"number": "0\u00001"}]},
        {"first_name": "Key", "last_name": "Character", "odd\u0000key": "x"},
    ],
)
async def test_a_null_character_in_a_body_is_a_400_and_nothing_is_saved(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    before = (await client.get("/patients", params={"q[]": "last_name:=Character"})).json()["total_entries"]
    response = await client.post("/patients", json=body)
    assert response.status_code == 400
    assert "null character" in response.json()["message"]
    after = (await client.get("/patients", params={"q[]": "last_name:=Character"})).json()["total_entries"]
    assert after == before


async def test_a_null_character_in_a_search_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/patients", params={"q[]": "last_name:=Smith\u0000"})
    assert response.status_code == 400
    assert "null character" in response.json()["message"]
