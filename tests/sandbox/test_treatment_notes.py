"""Treatment notes: drafts and final notes by the key's practitioner, and Cliniko's content rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandbox.emulator import any_patient_id, last_id

CONTENT = {
    "sections": [
        {
            "name": "Subjective",
            "questions": [
                {"name": "Presenting complaint", "type": "paragraph", "answer": "Sore left knee after running"},
                {"name": "Onset", "type": "date", "answer": "2026-01-05"},
                {
                    "name": "Pain type",
                    "type": "radiobuttons",
                    "answers": [{"value": "Sharp", "selected": True}, {"value": "Dull"}],
                    "other": {"enabled": True, "selected": False, "value": ""},
                },
            ],
        }
    ]
}


async def _key_practitioner(client: httpx.AsyncClient) -> dict[str, Any]:
    user = (await client.get("/user")).json()
    practitioners = (await client.get("/practitioners", params={"q[]": f"user_id:={user['id']}"})).json()
    practitioner: dict[str, Any] = practitioners["practitioners"][0]
    return practitioner


async def test_a_new_note_is_a_draft_by_the_keys_practitioner(client: httpx.AsyncClient) -> None:
    patient_id = await any_patient_id(client)
    response = await client.post("/treatment_notes", json={"patient_id": patient_id, "title": "Phone call"})
    assert response.status_code == 201
    note = response.json()
    assert response.headers["location"] == note["links"]["self"]
    assert note["draft"] is True and note["finalized_at"] is None and note["content"] is None
    author = await _key_practitioner(client)
    assert last_id(note["practitioner"]["links"]["self"]) == author["id"]
    assert note["author_name"] == author["display_name"]
    assert last_id(note["patient"]["links"]["self"]) == patient_id
    listed = (await client.get(f"/patients/{patient_id}/treatment_notes", params={"per_page": 100})).json()
    assert note["id"] in {item["id"] for item in listed["treatment_notes"]}


async def test_a_final_note_with_structured_content_and_a_booking(client: httpx.AsyncClient) -> None:
    appointment = (
        await client.get("/individual_appointments", params={"per_page": 1, "sort": "starts_at:desc"})
    ).json()
    booking = appointment["individual_appointments"][0]
    template = (await client.get("/treatment_note_templates")).json()["treatment_note_templates"][0]
    response = await client.post(
        "/treatment_notes",
        json={
            "patient_id": last_id(booking["patient"]["links"]["self"]),
            "booking_id": int(booking["id"]),
            "treatment_note_template_id": template["id"],
            "draft": False,
            "content": CONTENT,
        },
    )
    assert response.status_code == 201, response.text
    note = response.json()
    assert note["draft"] is False and note["finalized_at"] is not None
    assert note["content"] == CONTENT
    assert note["title"] == template["name"]
    assert last_id(note["booking"]["links"]["self"]) == booking["id"]
    assert (await client.get(booking["links"]["self"])).json()["treatment_note_status"] == 90


async def test_content_must_be_an_object(client: httpx.AsyncClient) -> None:
    patient_id = await any_patient_id(client)
    before = (await client.get("/treatment_notes", params={"per_page": 1})).json()["total_entries"]
    response = await client.post("/treatment_notes", json={"patient_id": patient_id, "content": '{"sections": []}'})
    assert response.status_code == 422
    assert response.json() == {"message": "must be an object"}
    assert (await client.get("/treatment_notes", params={"per_page": 1})).json()["total_entries"] == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"sections": []}, "sections must be a non-empty array"),
        ({"sections": ["Subjective"]}, "sections/0 must be an object"),
        ({"sections": [{"questions": [{"name": "Q", "type": "essay"}]}]}, "sections/0/questions/0/type must be one of"),
        ({"sections": [{"questions": [{"type": "text"}]}]}, "sections/0/questions/0/name is required"),
        ({"sections": [{"questions": [{"name": "Q", "type": "date", "answer": "5 Jan"}]}]}, "must be a date"),
        (
            {
                "sections": [
                    {
                        "questions": [
                            {
                                "name": "Q",
                                "type": "radiobuttons",
                                "answers": [{"value": "a", "selected": True}, {"value": "b", "selected": True}],
                            }
                        ]
                    }
                ]
            },
            "at most one selected answer",
        ),
        (
            {
                "sections": [
                    {"questions": [{"name": "Q", "type": "checkboxes", "answers": [{"value": "a", "selected": False}]}]}
                ]
            },
            "may only be true",
        ),
    ],
)
async def test_content_that_breaks_the_schema_is_422(client: httpx.AsyncClient, content: Any, message: str) -> None:
    response = await client.post(
        "/treatment_notes", json={"patient_id": await any_patient_id(client), "content": content}
    )
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"message"} and message in body["message"]


async def test_a_note_needs_an_existing_patient(client: httpx.AsyncClient) -> None:
    response = await client.post("/treatment_notes", json={"title": "Orphan"})
    assert response.status_code == 422
    assert response.json() == {"message": "Validation Failed", "errors": {"patient": "must exist"}}
    unknown = await client.post("/treatment_notes", json={"patient_id": "123456789", "booking_id": "987654321"})
    assert unknown.json()["errors"] == {"patient": "must exist", "booking": "must exist"}
    blank_booking = await client.post(
        "/treatment_notes", json={"patient_id": await any_patient_id(client), "booking_id": ""}
    )
    assert blank_booking.status_code == 201 and "booking" not in blank_booking.json()


async def test_finalising_a_draft_and_archiving(client: httpx.AsyncClient) -> None:
    note = (await client.post("/treatment_notes", json={"patient_id": await any_patient_id(client)})).json()
    path = note["links"]["self"]
    final = await client.patch(path, json={"draft": False, "content": CONTENT, "title": "Review"})
    assert final.status_code == 200
    assert final.json()["finalized_at"] is not None and final.json()["title"] == "Review"
    assert (await client.delete(path)).status_code == 204
    assert (await client.get(path)).status_code == 404
    assert (await client.post(f"{path}/unarchive")).json()["archived_at"] is None
    assert (await client.get(path)).status_code == 200


async def test_templates_list_and_show(client: httpx.AsyncClient) -> None:
    templates = (await client.get("/treatment_note_templates")).json()["treatment_note_templates"]
    assert templates and all(template["archived_at"] is None for template in templates)
    shown = (await client.get(templates[0]["links"]["self"])).json()
    assert shown == templates[0]
    assert shown["content"]["sections"]
