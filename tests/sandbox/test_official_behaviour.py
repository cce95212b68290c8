"""Behaviours where the emulator once differed from Cliniko's documentation (issue 13), each pinned here."""

from __future__ import annotations

import httpx

from tests.sandbox.emulator import walk


async def test_order_desc_reverses_a_sort_that_names_no_direction(client: httpx.AsyncClient) -> None:
    ascending = (await client.get("/patients", params={"sort": "last_name", "per_page": 100})).json()["patients"]
    descending = (await client.get("/patients", params={"sort": "last_name", "order": "desc", "per_page": 100})).json()[
        "patients"
    ]
    assert [p["last_name"] for p in descending] == sorted((p["last_name"] for p in descending), reverse=True)
    assert descending[0]["last_name"] >= ascending[-1]["last_name"]
    # A direction written in sort wins over order.
    explicit = (await client.get("/patients", params={"sort": "last_name:asc", "order": "desc", "per_page": 5})).json()[
        "patients"
    ]
    assert [p["last_name"] for p in explicit] == sorted(p["last_name"] for p in explicit)


async def test_an_id_beyond_64_bits_in_a_filter_is_a_json_400(client: httpx.AsyncClient) -> None:
    for value in ("id:=12345678901234567890123", "id:>99999999999999999999", "patient_id:=1,99999999999999999999"):
        response = await client.get("/individual_appointments", params={"q[]": value})
        assert response.status_code == 400, value
        assert response.headers["content-type"].startswith("application/json")
        assert "out of range" in response.json()["message"]


async def test_datetime_filter_values_must_be_utc(client: httpx.AsyncClient) -> None:
    for value in ("updated_at:>2026-01-01T00:00:00+10:00", "updated_at:>2026-01-01T00:00:00"):
        response = await client.get("/individual_appointments", params={"q[]": value})
        assert response.status_code == 400, value
        assert "UTC" in response.json()["message"]
    for value in ("updated_at:>2026-01-01T00:00:00Z", "updated_at:>2026-01-01T00:00:00+00:00"):
        assert (await client.get("/individual_appointments", params={"q[]": value})).status_code == 200


async def test_head_answers_like_get_without_a_body(client: httpx.AsyncClient) -> None:
    get = await client.get("/businesses")
    head = await client.head("/businesses")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))
    missing = await client.head("/patients/1")
    assert missing.status_code == 404 and missing.content == b""


async def test_every_list_walks_to_its_end_with_18_digit_ids(client: httpx.AsyncClient) -> None:
    businesses = await walk(client, "/businesses", {"q[]": "archived_at:*"})
    assert businesses and all(len(b["id"]) == 18 and b["id"].isdigit() for b in businesses)
