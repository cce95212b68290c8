"""Patients: create, update and archive with Cliniko's validation and 422 shapes."""

from __future__ import annotations

from typing import Any

import httpx

from tests.sandbox.emulator import walk


async def _patient_count(client: httpx.AsyncClient) -> int:
    count: int = (await client.get("/patients", params={"per_page": 1, "q[]": "archived_at:*"})).json()["total_entries"]
    return count


async def test_creating_a_patient_returns_201_the_record_and_its_location(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/patients",
        json={
            "first_name": "Mia",
            "last_name": "Okafor",
            "date_of_birth": "1991-02-03",
            "email": "mia.okafor@example.com",
            "sex": "Female",
            "old_reference_id": "crm-77",
            "patient_phone_numbers": [{"phone_type": "Mobile", "number": "+61 491 570 156"}],
        },
    )
    assert response.status_code == 201
    patient = response.json()
    assert response.headers["location"] == patient["links"]["self"]
    assert patient["label"] == "Mia Okafor"
    assert patient["date_of_birth"] == "1991-02-03"
    assert patient["patient_phone_numbers"] == [
        {"phone_type": "Mobile", "number": "+61 491 570 156", "normalized_number": "61491570156"}
    ]
    shown = (await client.get(patient["links"]["self"])).json()
    assert shown == patient


async def test_an_invalid_patient_is_422_in_clinikos_shape_and_nothing_is_written(client: httpx.AsyncClient) -> None:
    before = await _patient_count(client)
    response = await client.post("/patients", json={"first_name": "Lonely", "email": "not-an-email"})
    assert response.status_code == 422
    assert response.json() == {
        "message": "Validation Failed",
        "errors": {"last_name": "can’t be blank", "email": "is invalid"},
    }
    assert await _patient_count(client) == before


async def test_a_body_that_is_not_json_counts_as_empty(client: httpx.AsyncClient) -> None:
    before = await _patient_count(client)
    response = await client.post("/patients", content=b"first_name=Form&last_name=Encoded")
    assert response.status_code == 422
    assert response.json()["errors"] == {"first_name": "can’t be blank", "last_name": "can’t be blank"}
    no_type = await client.post(
        "/patients", content=b'{"first_name": "A", "last_name": "B"}', headers={"Content-Type": "text/plain"}
    )
    assert no_type.status_code == 422
    assert await _patient_count(client) == before


async def test_a_json_body_that_is_not_an_object_is_refused(client: httpx.AsyncClient) -> None:
    for body in ([{"first_name": "A", "last_name": "B"}], "Mia Okafor", 42):
        response = await client.post("/patients", json=body)
        assert response.status_code == 422
        assert response.json() == {"message": "must be an object"}


async def test_field_rules(client: httpx.AsyncClient) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"date_of_birth": "03/02/1991"}, "date_of_birth", "is invalid"),
        ({"first_name": "x" * 256}, "first_name", "is too long (maximum is 255 characters)"),
        ({"reminder_type": "Pigeon"}, "reminder_type", "is not included in the list"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "is not included in the list"),
        (
            {"patient_phone_numbers": [{"phone_type": "Pager", "number": "1"}]},
            "patient_phone_numbers.phone_type",
            "is not included in the list",
        ),
        ({"patient_phone_numbers": "0491570156"}, "patient_phone_numbers", "is invalid"),
    ]
    for extra, field, message in cases:
        response = await client.post("/patients", json={"first_name": "F", "last_name": "L", **extra})
        assert response.status_code == 422, extra
        assert response.json()["errors"] == {field: message}


async def test_patch_updates_named_fields_and_replaces_the_phone_list(client: httpx.AsyncClient) -> None:
    created = (
        await client.post(
            "/patients",
            json={
                "first_name": "Noah",
                "last_name": "Brandt",
                "patient_phone_numbers": [
                    {"phone_type": "Mobile", "number": "0491 570 110"},
                    {"phone_type": "Home", "number": "(02) 5550 1234"},
                ],
            },
        )
    ).json()
    path = created["links"]["self"]
    patched = await client.patch(
        path,
        json={"email": "noah@example.org", "patient_phone_numbers": [{"phone_type": "Work", "number": "02 5550 9999"}]},
    )
    assert patched.status_code == 200
    body = patched.json()
    assert body["first_name"] == "Noah" and body["email"] == "noah@example.org"
    assert body["patient_phone_numbers"] == [
        {"phone_type": "Work", "number": "02 5550 9999", "normalized_number": "61255509999"}
    ]
    assert body["updated_at"] >= created["updated_at"]
    put = await client.put(path, json={"last_name": "Brandt-Weiss"})
    assert put.status_code == 200 and put.json()["last_name"] == "Brandt-Weiss"
    blank = await client.patch(path, json={"first_name": "  "})
    assert blank.status_code == 422 and blank.json()["errors"] == {"first_name": "can’t be blank"}
    assert (await client.get(path)).json()["first_name"] == "Noah"


async def test_new_patients_get_fresh_ids_after_the_seeded_ones(client: httpx.AsyncClient) -> None:
    seeded = await walk(client, "/patients", {"per_page": 100, "q[]": "archived_at:*"})
    created = (await client.post("/patients", json={"first_name": "New", "last_name": "Comer"})).json()
    assert int(created["id"]) > max(int(p["id"]) for p in seeded)
