"""Pagination: ``page``/``per_page``, ``total_entries`` and ``links`` that walk every record once."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from medley.sandbox.cliniko.seed_data import cliniko_id
from tests.sandbox.emulator import walk


async def test_following_next_links_visits_every_patient_exactly_once(client: httpx.AsyncClient) -> None:
    small_pages = await walk(client, "/patients", {"per_page": 7})
    big_pages = await walk(client, "/patients", {"per_page": 100})
    ids = [patient["id"] for patient in small_pages]
    assert len(ids) == len(set(ids)) > 100
    assert ids == [patient["id"] for patient in big_pages]


async def test_walking_a_filtered_list_keeps_the_filter(client: httpx.AsyncClient) -> None:
    first = await client.get(
        "/individual_appointments", params={"per_page": 10, "q[]": "starts_at:>2000-01-01T00:00:00Z"}
    )
    next_url = first.json()["links"]["next"]
    assert parse_qs(urlsplit(next_url).query)["q[]"] == ["starts_at:>2000-01-01T00:00:00Z"]
    records = await walk(
        client, "/individual_appointments", {"per_page": 50, "q[]": f"practitioner_id:={cliniko_id(2001)}"}
    )
    assert records and all(
        record["practitioner"]["links"]["self"].endswith(f"/practitioners/{cliniko_id(2001)}") for record in records
    )


async def test_links_say_where_the_page_is(client: httpx.AsyncClient) -> None:
    first = (await client.get("/patients", params={"per_page": 10})).json()
    assert set(first["links"]) == {"self", "next"}
    assert parse_qs(urlsplit(first["links"]["self"]).query) == {"page": ["1"], "per_page": ["10"]}
    second = (await client.get(first["links"]["next"])).json()
    assert set(second["links"]) == {"self", "next", "previous"}
    last_page = -(-first["total_entries"] // 10)
    last = (await client.get("/patients", params={"per_page": 10, "page": last_page})).json()
    assert "next" not in last["links"]
    beyond = (await client.get("/patients", params={"per_page": 10, "page": last_page + 1})).json()
    assert beyond["patients"] == [] and beyond["total_entries"] == first["total_entries"]


async def test_per_page_defaults_to_50_and_is_clamped_to_100(client: httpx.AsyncClient) -> None:
    default = (await client.get("/patients")).json()
    assert len(default["patients"]) == 50
    clamped = (await client.get("/patients", params={"per_page": 1000})).json()
    assert len(clamped["patients"]) == 100
    assert parse_qs(urlsplit(clamped["links"]["self"]).query)["per_page"] == ["100"]


async def test_a_page_that_is_not_a_positive_integer_is_400(client: httpx.AsyncClient) -> None:
    for params in ({"page": "0"}, {"page": "two"}, {"per_page": "-5"}, {"per_page": ""}):
        response = await client.get("/patients", params=params)
        assert response.status_code == 400, params
        assert "must be a positive integer" in response.json()["message"]


async def test_sorting_by_a_listed_field_both_ways(client: httpx.AsyncClient) -> None:
    ascending = (await client.get("/individual_appointments", params={"sort": "starts_at", "per_page": 100})).json()
    starts = [item["starts_at"] for item in ascending["individual_appointments"]]
    assert starts == sorted(starts)
    descending = await client.get("/individual_appointments", params={"sort": "starts_at:desc", "per_page": 100})
    starts = [item["starts_at"] for item in descending.json()["individual_appointments"]]
    assert starts == sorted(starts, reverse=True)
    default = (await client.get("/patients", params={"per_page": 100})).json()["patients"]
    keys = [(patient["created_at"], int(patient["id"])) for patient in default]
    assert keys == sorted(keys)
    refused = await client.get("/patients", params={"sort": "shoe_size"})
    assert refused.status_code == 400 and refused.json()["message"].startswith("Invalid search:")
