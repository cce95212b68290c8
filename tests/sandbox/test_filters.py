"""``q[]`` filters: each narrows the list to exactly what a client-side filter of all records keeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.sandbox.emulator import last_id, walk

Record = dict[str, Any]


async def _create_patient(client: httpx.AsyncClient, **fields: Any) -> Record:
    response = await client.post("/patients", json=fields)
    assert response.status_code == 201, response.text
    record: Record = response.json()
    return record


async def _assert_narrows(
    client: httpx.AsyncClient,
    path: str,
    filters: list[str],
    keep: Callable[[Record], bool],
    everything: list[Record] | None = None,
) -> list[Record]:
    """The filtered list is exactly the records (of all of them, in order) that ``keep`` accepts."""
    if everything is None:
        everything = await walk(client, path, {"per_page": 100})
    expected = [record["id"] for record in everything if keep(record)]
    found = await walk(client, path, {"per_page": 100, "q[]": filters})
    assert [record["id"] for record in found] == expected
    assert 0 < len(expected) < len(everything), "a filter test must keep some records and drop others"
    return found


@pytest.fixture
async def quartermaines(client: httpx.AsyncClient) -> list[Record]:
    return [
        await _create_patient(client, first_name="Zebedee", last_name="Quartermaine", date_of_birth="1990-05-17"),
        await _create_patient(client, first_name="Zebedee", last_name="Quinton", date_of_birth="1985-05-02"),
        await _create_patient(
            client,
            first_name="Xanthe",
            last_name="QUARTERMAINE-Hill",
            date_of_birth="1990-12-01",
            old_reference_id="EXT-1",
        ),
    ]


async def test_patients_by_exact_first_name(client: httpx.AsyncClient, quartermaines: list[Record]) -> None:
    found = await _assert_narrows(client, "/patients", ["first_name:=Zebedee"], lambda p: p["first_name"] == "Zebedee")
    assert {p["id"] for p in found} >= {quartermaines[0]["id"], quartermaines[1]["id"]}


async def test_patients_by_last_name_containing_any_case(
    client: httpx.AsyncClient, quartermaines: list[Record]
) -> None:
    found = await _assert_narrows(
        client, "/patients", ["last_name:~quarterMAINE"], lambda p: "quartermaine" in p["last_name"].lower()
    )
    assert {p["id"] for p in found} == {quartermaines[0]["id"], quartermaines[2]["id"]}


async def test_patients_by_wildcard_last_name(client: httpx.AsyncClient, quartermaines: list[Record]) -> None:
    found = await _assert_narrows(
        client,
        "/patients",
        ["last_name:~~q%n"],
        lambda p: p["last_name"].lower().startswith("q") and p["last_name"].lower().endswith("n"),
    )
    assert quartermaines[1]["id"] in {p["id"] for p in found}


async def test_patients_by_date_of_birth_exact_wildcard_and_range(
    client: httpx.AsyncClient, quartermaines: list[Record]
) -> None:
    exact = await _assert_narrows(
        client, "/patients", ["date_of_birth:=1990-05-17"], lambda p: p["date_of_birth"] == "1990-05-17"
    )
    assert quartermaines[0]["id"] in {p["id"] for p in exact}
    in_may = await _assert_narrows(
        client, "/patients", ["date_of_birth:=****-05-**"], lambda p: (p["date_of_birth"] or "")[5:7] == "05"
    )
    assert {quartermaines[0]["id"], quartermaines[1]["id"]} <= {p["id"] for p in in_may}
    await _assert_narrows(
        client,
        "/patients",
        ["date_of_birth:>=1985-05-02", "date_of_birth:<1990-12-01"],
        lambda p: p["date_of_birth"] is not None and "1985-05-02" <= p["date_of_birth"] < "1990-12-01",
    )


async def test_patients_by_id_list_and_external_id(client: httpx.AsyncClient, quartermaines: list[Record]) -> None:
    wanted = {quartermaines[0]["id"], quartermaines[2]["id"]}
    await _assert_narrows(client, "/patients", [f"id:={','.join(sorted(wanted))}"], lambda p: p["id"] in wanted)
    await _assert_narrows(client, "/patients", ["old_reference_id:=EXT-1"], lambda p: p["old_reference_id"] == "EXT-1")


async def test_null_and_not_null_operators(client: httpx.AsyncClient) -> None:
    await _assert_narrows(client, "/patients", ["email:!?"], lambda p: p["email"] is None)
    await _assert_narrows(client, "/patients", ["email:?"], lambda p: p["email"] is not None)


async def test_the_filter_key_may_arrive_percent_encoded(
    client: httpx.AsyncClient, quartermaines: list[Record]
) -> None:
    raw = await client.get("/patients?q[]=last_name:=Quinton")
    encoded = await client.get("/patients?q%5B%5D=last_name%3A%3DQuinton")
    assert raw.json()["patients"] == encoded.json()["patients"]
    assert [p["id"] for p in raw.json()["patients"]] == [quartermaines[1]["id"]]


async def test_appointments_in_a_time_range(client: httpx.AsyncClient) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=7)
    end = start + timedelta(days=3)
    iso_start, iso_end = start.strftime("%Y-%m-%dT%H:%M:%SZ"), end.strftime("%Y-%m-%dT%H:%M:%SZ")
    await _assert_narrows(
        client,
        "/individual_appointments",
        [f"starts_at:>={iso_start}", f"starts_at:<{iso_end}"],
        lambda a: iso_start <= a["starts_at"] < iso_end,
    )
    await _assert_narrows(
        client, "/individual_appointments", [f"ends_at:<={iso_start}"], lambda a: a["ends_at"] <= iso_start
    )


async def test_appointments_by_patient_practitioner_and_business(client: httpx.AsyncClient) -> None:
    everything = await walk(client, "/individual_appointments", {"per_page": 100})
    for relation in ("patient", "practitioner", "business", "appointment_type"):
        wanted = last_id(everything[0][relation]["links"]["self"])
        await _assert_narrows(
            client, "/individual_appointments", [f"{relation}_id:={wanted}"], _links_to(relation, wanted), everything
        )


def _links_to(relation: str, wanted: str) -> Callable[[Record], bool]:
    return lambda record: last_id(record[relation]["links"]["self"]) == wanted


async def test_cancelled_appointments_by_cancellation_time(client: httpx.AsyncClient) -> None:
    everything = await walk(client, "/individual_appointments", {"per_page": 100, "q[]": "cancelled_at:*"})
    cancelled = await walk(client, "/individual_appointments", {"per_page": 100, "q[]": "cancelled_at:?"})
    assert cancelled and all(a["cancelled_at"] for a in cancelled)
    assert [a["id"] for a in cancelled] == [a["id"] for a in everything if a["cancelled_at"]]
    default = await walk(client, "/individual_appointments", {"per_page": 100})
    assert [a["id"] for a in default] == [a["id"] for a in everything if not a["cancelled_at"]]


@pytest.mark.parametrize(
    ("path", "raw_filter", "reason"),
    [
        ("/patients", "phone:=0491570156", "'phone' is not a filterable field"),
        ("/patients", "first_name:>A", "'>' is not an operator"),
        ("/patients", "id:=one", "is not an integer"),
        ("/patients", "date_of_birth:=1990-13-45", "is not a valid date"),
        ("/patients", "first_name", "is not <field>:<operator><value>"),
        ("/individual_appointments", "starts_at:=2026-01-01T00:00:00Z", "'=' is not an operator"),
        ("/individual_appointments", "starts_at:>yesterday", "is not an ISO 8601"),
        ("/individual_appointments", "cancelled_at:?yes", "takes no value"),
        ("/individual_appointments", "did_not_arrive:=maybe", "is not true or false"),
    ],
)
async def test_an_unsupported_or_malformed_filter_is_400(
    client: httpx.AsyncClient, path: str, raw_filter: str, reason: str
) -> None:
    response = await client.get(path, params={"q[]": raw_filter})
    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith("Invalid search: ") and reason in message
