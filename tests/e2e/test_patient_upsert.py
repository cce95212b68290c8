"""POST /patients is an upsert that keeps what it was given: the same person again with new phones or emails
comes back with them, and ``X-Upsert-Result`` says whether the record was created, updated or unchanged."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from medley.sandbox.cliniko.seed_data import cliniko_id

UNIT = f"/emrs/cliniko/care-units/{cliniko_id(1001)}"


def _person(**extra: Any) -> dict[str, Any]:
    return {
        "first_name": "Ottoline",
        "last_name": f"Brightwater-{uuid.uuid4().hex[:8]}",
        "birth_date": "1984-07-02",
        **extra,
    }


def test_the_same_person_with_new_phones_and_emails_comes_back_with_them(api: httpx.Client) -> None:
    person = _person(phones=["+61 400 111 222"])
    first = api.post(f"{UNIT}/patients", json=person)
    assert first.status_code == 201, first.text
    assert first.headers["x-upsert-result"] == "created"

    again = api.post(
        f"{UNIT}/patients",
        json={**person, "phones": ["+61 400 333 444"], "emails": ["ottoline@example.org"], "gender": "female"},
    )
    assert again.status_code == 200, again.text
    assert again.headers["x-upsert-result"] == "updated"
    patient = again.json()
    assert patient["id"] == first.json()["id"]
    assert patient["phones"] == ["+61 400 111 222", "+61 400 333 444"]  # added, none lost
    assert patient["emails"] == ["ottoline@example.org"]
    assert patient["gender"] == "female"
    stored = api.get(f"{UNIT}/patients/{patient['id']}").json()
    assert (stored["phones"], stored["emails"], stored["gender"]) == (
        patient["phones"],
        patient["emails"],
        patient["gender"],
    )

    # The same number written differently, and nothing else new: nothing to write.
    same = api.post(f"{UNIT}/patients", json={**person, "phones": ["0400 333 444"]})
    assert same.status_code == 200, same.text
    assert same.headers["x-upsert-result"] == "unchanged"
    assert same.json()["phones"] == patient["phones"]


def test_a_patient_found_by_external_id_takes_the_details_given(api: httpx.Client) -> None:
    external_id = f"crm-{uuid.uuid4().hex[:10]}"
    first = api.post(f"{UNIT}/patients", json=_person(external_id=external_id))
    assert first.status_code == 201, first.text
    moved = {"line1": "9 Harbour Street", "city": "Sydney", "postal_code": "2000"}
    again = api.post(f"{UNIT}/patients", json=_person(external_id=external_id, birth_date="1984-07-20", address=moved))
    assert again.status_code == 200, again.text
    assert again.headers["x-upsert-result"] == "updated"
    patient = again.json()
    assert patient["id"] == first.json()["id"]
    assert patient["last_name"] != first.json()["last_name"]  # the name given replaced the old one
    assert patient["birth_date"] == "1984-07-20"
    assert {k: patient["address"][k] for k in moved} == moved
