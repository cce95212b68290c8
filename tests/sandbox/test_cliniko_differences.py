"""Differences from Cliniko the emulator no longer has: attachments processed later, paragraph answers
sanitised, time off moved with PATCH/PUT, extra working time created with POST /availability_blocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.sandbox.conftest import SandboxFactory
from tests.sandbox.emulator import Bookable, MutableClock, any_patient_id, available_starts, client_for


async def test_an_attachment_is_processed_a_moment_after_it_is_created(make_sandbox: SandboxFactory) -> None:
    clock = MutableClock(datetime.now(UTC).replace(microsecond=0))
    async with make_sandbox(clock=clock, attachment_processing_seconds=3) as sandbox, client_for(sandbox) as client:
        patient_id = await any_patient_id(client)
        presigned = (await client.get(f"/patients/{patient_id}/attachment_presigned_post")).json()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app)) as s3:
            uploaded = await s3.post(
                presigned["url"], data=presigned["fields"], files={"file": ("x-ray.png", b"\x89PNG....", "image/png")}
            )
        key = uploaded.text.split("<Key>", 1)[1].split("</Key>", 1)[0]
        upload_url = presigned["url"] + key
        created = await client.post("/patient_attachments", json={"patient_id": patient_id, "upload_url": upload_url})
        assert created.status_code == 201
        record = created.json()
        assert record["processing_completed"] is False
        assert record["filename"] is None and record["size"] is None and record["processed_at"] is None
        # Still processing: the same upload cannot make a second record, and there is no file to serve yet.
        again = await client.post("/patient_attachments", json={"patient_id": patient_id, "upload_url": upload_url})
        assert again.status_code == 422 and again.json()["errors"] == {"temp_attachment_url": "is invalid"}
        assert (await client.get(f"/patient_attachments/{record['id']}/content")).status_code == 404

        clock.advance(timedelta(seconds=2))
        assert (await client.get(f"/patient_attachments/{record['id']}")).json()["processing_completed"] is False
        clock.advance(timedelta(seconds=1))
        done = (await client.get(f"/patient_attachments/{record['id']}")).json()
        assert done["processing_completed"] is True
        assert done["filename"] == "x-ray.png" and done["size"] == 8 and done["content_type"] == "image/png"
        assert done["processed_at"] == done["updated_at"] != record["updated_at"]
        content = await client.get(f"/patient_attachments/{record['id']}/content")
        assert content.status_code == 200 and content.content == b"\x89PNG...."


async def test_paragraph_answers_keep_only_allowed_tags_and_lose_control_characters(
    client: httpx.AsyncClient,
) -> None:
    patient_id = await any_patient_id(client)
    answer = (
        '<p onclick="x()">Tight\n<b>lower</b>\tback</p><script>alert(1)</script>'
        '<span>2 < 3</span>\x07<a href="javascript:x">l</a>'
    )
    content = {"sections": [{"questions": [{"name": "Findings", "type": "paragraph", "answer": answer}]}]}
    created = await client.post("/treatment_notes", json={"patient_id": patient_id, "content": content})
    assert created.status_code == 201, created.text
    stored = (await client.get(f"/treatment_notes/{created.json()['id']}")).json()["content"]
    assert stored["sections"][0]["questions"][0]["answer"] == "<p>Tight<b>lower</b>back</p>2 &lt; 3<a>l</a>"
    only_script = {"sections": [{"questions": [{"name": "N", "type": "paragraph", "answer": "<script>x</script>"}]}]}
    emptied = await client.post("/treatment_notes", json={"patient_id": patient_id, "content": only_script})
    assert "answer" not in emptied.json()["content"]["sections"][0]["questions"][0]


async def test_an_unavailable_block_moves_with_patch_and_put(client: httpx.AsyncClient, bookable: Bookable) -> None:
    starts = await available_starts(client, bookable)
    first = datetime.fromisoformat(starts[0])
    body = {
        "business_id": bookable.business_id,
        "practitioner_id": bookable.practitioner_id,
        "starts_at": starts[0],
        "ends_at": (first + bookable.duration).isoformat(),
    }
    block = (await client.post("/unavailable_blocks", json=body)).json()
    assert starts[0] not in await available_starts(client, bookable)

    later = first + timedelta(days=1)
    moved = await client.patch(
        f"/unavailable_blocks/{block['id']}",
        json={"starts_at": later.isoformat(), "ends_at": (later + bookable.duration).isoformat(), "notes": "moved"},
    )
    assert moved.status_code == 200 and moved.json()["notes"] == "moved"
    assert moved.json()["updated_at"] >= block["updated_at"]
    assert starts[0] in await available_starts(client, bookable)
    invalid = await client.put(f"/unavailable_blocks/{block['id']}", json={"ends_at": later.isoformat()})
    assert invalid.status_code == 422 and invalid.json()["errors"] == {"ends_at": "must be after starts_at"}
    missing = await client.patch("/unavailable_blocks/1", json={"notes": "x"})
    assert missing.status_code == 404


async def test_an_availability_block_adds_bookable_time_and_its_repeats(
    client: httpx.AsyncClient, bookable: Bookable
) -> None:
    # A Sunday night outside any seeded working hours, four weeks running.
    day = bookable.first_day + timedelta(days=(6 - bookable.first_day.weekday()) % 7)
    start = datetime.combine(day, datetime.min.time(), bookable.zone).replace(hour=21).astimezone(UTC)
    body = {
        "business_id": bookable.business_id,
        "practitioner_id": bookable.practitioner_id,
        "starts_at": start.isoformat(),
        "ends_at": (start + 2 * bookable.duration).isoformat(),
        "repeat_rule": {"repeat_type": "Weekly", "repeating_interval": 1, "number_of_repeats": 3},
    }
    assert start.strftime("%Y-%m-%dT%H:%M:%SZ") not in await available_starts(client, bookable)
    created = await client.post("/availability_blocks", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["repeat_rule"] == {"number_of_repeats": 3, "repeat_type": "Weekly", "repeating_interval": 1}
    assert start.strftime("%Y-%m-%dT%H:%M:%SZ") in await available_starts(client, bookable)
    listed = await client.get(
        "/availability_blocks", params={"q[]": f"starts_at:>={start.strftime('%Y-%m-%dT%H:%M:%SZ')}"}
    )
    assert listed.json()["total_entries"] == 4
    refused = await client.post(
        "/availability_blocks", json={**body, "practitioner_id": "1", "repeat_rule": {"repeat_type": "Hourly"}}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"practitioner": "must exist", "repeat_rule": "is invalid"}
