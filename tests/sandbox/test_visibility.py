"""Archived, cancelled and inactive records are hidden from lists and shows unless asked for."""

from __future__ import annotations

import httpx

from tests.sandbox.emulator import walk


async def test_an_archived_patient_is_hidden_until_opted_in(client: httpx.AsyncClient) -> None:
    archived = await walk(client, "/patients", {"per_page": 100, "q[]": "archived_at:?"})
    assert archived, "the seeded practice has an archived patient"
    patient_id = archived[0]["id"]
    visible = {p["id"] for p in await walk(client, "/patients", {"per_page": 100})}
    everyone = {p["id"] for p in await walk(client, "/patients", {"per_page": 100, "q[]": "archived_at:*"})}
    assert patient_id not in visible and patient_id in everyone
    assert everyone == visible | {p["id"] for p in archived}
    assert (await client.get(f"/patients/{patient_id}")).status_code == 404
    shown = await client.get(f"/patients/{patient_id}", params={"q[]": "archived_at:*"})
    assert shown.status_code == 200 and shown.json()["archived_at"] is not None


async def test_archiving_then_unarchiving_a_patient(client: httpx.AsyncClient) -> None:
    created = (await client.post("/patients", json={"first_name": "Ada", "last_name": "Hidden"})).json()
    path = f"/patients/{created['id']}"
    archived = await client.delete(path)
    assert archived.status_code == 204 and archived.content == b""
    assert (await client.get(path)).status_code == 404
    assert (await client.post(f"{path}/archive")).status_code == 204  # archiving twice is harmless
    restored = await client.post(f"{path}/unarchive")
    assert restored.status_code == 200 and restored.json()["archived_at"] is None
    assert (await client.get(path)).status_code == 200


async def test_a_cancelled_appointment_is_hidden_until_opted_in(client: httpx.AsyncClient) -> None:
    cancelled = (await client.get("/individual_appointments", params={"q[]": "cancelled_at:?"})).json()
    appointment = cancelled["individual_appointments"][0]
    path = f"/individual_appointments/{appointment['id']}"
    assert (await client.get(path)).status_code == 404
    shown = await client.get(path, params={"q[]": "cancelled_at:*"})
    assert shown.status_code == 200 and shown.json()["cancellation_reason_description"] is not None
    default_ids = {a["id"] for a in await walk(client, "/individual_appointments", {"per_page": 100})}
    assert appointment["id"] not in default_ids


async def test_inactive_practitioners_have_their_own_list(client: httpx.AsyncClient) -> None:
    active = (await client.get("/practitioners")).json()["practitioners"]
    inactive = (await client.get("/practitioners/inactive")).json()["practitioners"]
    assert inactive and all(not p["active"] for p in inactive)
    assert all(p["active"] for p in active)
    assert not {p["id"] for p in active} & {p["id"] for p in inactive}
    assert (await client.get(f"/practitioners/{inactive[0]['id']}")).status_code == 200


async def test_archived_businesses_and_appointment_types_are_hidden(client: httpx.AsyncClient) -> None:
    for path in ("/businesses", "/appointment_types"):
        plural = path.strip("/")
        visible = (await client.get(path)).json()[plural]
        everything = (await client.get(path, params={"q[]": "archived_at:*"})).json()[plural]
        hidden = [record for record in everything if record["archived_at"]]
        assert hidden and all(record["archived_at"] is None for record in visible)
        assert (await client.get(f"{path}/{hidden[0]['id']}")).status_code == 404
