"""Patient attachments: Cliniko's three-step upload through the emulator's fake S3, and the download."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import timedelta
from typing import Any

import httpx

from medley.sandbox.cliniko.server import ClinikoSandbox
from tests.sandbox.conftest import SandboxFactory
from tests.sandbox.emulator import MutableClock, any_patient_id, client_for, last_id

PDF = b"%PDF-1.4\n" + os.urandom(4096) + b"\n%%EOF\n"


async def _presign(client: httpx.AsyncClient, patient_id: str) -> dict[str, Any]:
    response = await client.get(f"/patients/{patient_id}/attachment_presigned_post")
    assert response.status_code == 200
    presigned: dict[str, Any] = response.json()
    return presigned


async def _upload(
    sandbox: ClinikoSandbox, presigned: dict[str, Any], data: bytes, filename: str = "referral letter.pdf"
) -> httpx.Response:
    # The bucket takes no Basic auth: the signed policy is the credential, as on S3.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app)) as s3:
        return await s3.post(
            presigned["url"], data=presigned["fields"], files={"file": (filename, data, "application/pdf")}
        )


def _xml(tag: str, body: str) -> str:
    match = re.search(f"<{tag}>(.*?)</{tag}>", body)
    assert match, body
    return match.group(1)


async def test_the_full_upload_flow_and_a_byte_for_byte_download(
    sandbox: ClinikoSandbox, client: httpx.AsyncClient
) -> None:
    patient_id = await any_patient_id(client)
    presigned = await _presign(client, patient_id)
    assert presigned["url"] == "http://cliniko.test/s3/medley-sandbox-uploads/"
    assert presigned["fields"]["key"].startswith(f"sandbox/patients/{patient_id}/attachments/temp/")
    assert presigned["fields"]["key"].endswith("/${filename}")
    assert {"policy", "x-amz-credential", "x-amz-algorithm", "x-amz-date", "x-amz-signature"} <= set(
        presigned["fields"]
    )

    uploaded = await _upload(sandbox, presigned, PDF)
    assert uploaded.status_code == 201
    key = _xml("Key", uploaded.text)
    assert key.endswith("/referral letter.pdf") and _xml("Bucket", uploaded.text) == "medley-sandbox-uploads"
    assert _xml("ETag", uploaded.text) == f'"{hashlib.md5(PDF, usedforsecurity=False).hexdigest()}"'

    created = await client.post(
        "/patient_attachments",
        json={"patient_id": patient_id, "upload_url": presigned["url"] + key, "description": "GP referral"},
    )
    assert created.status_code == 201, created.text
    attachment = created.json()
    assert attachment["processing_completed"] is True and attachment["processed_at"] is not None
    assert (attachment["filename"], attachment["content_type"], attachment["size"]) == (
        "referral letter.pdf",
        "application/pdf",
        len(PDF),
    )
    assert attachment["description"] == "GP referral"
    assert last_id(attachment["patient"]["links"]["self"]) == patient_id

    content = await client.get(attachment["content"]["links"]["self"])
    assert content.status_code == 200
    assert content.content == PDF
    assert content.headers["content-type"] == "application/pdf"
    assert content.headers["content-disposition"].startswith('attachment; filename="referral letter.pdf"')

    listed = (await client.get(f"/patients/{patient_id}/patient_attachments")).json()["patient_attachments"]
    assert attachment["id"] in {item["id"] for item in listed}
    again = await client.post(
        "/patient_attachments", json={"patient_id": patient_id, "upload_url": presigned["url"] + key}
    )
    assert again.status_code == 422, "the temporary object is gone once processed"

    assert (await client.delete(attachment["links"]["self"])).status_code == 204
    assert (await client.get(attachment["links"]["self"])).status_code == 404
    assert (await client.get(attachment["content"]["links"]["self"])).status_code == 404


async def test_an_upload_url_must_point_at_this_patients_upload(
    sandbox: ClinikoSandbox, client: httpx.AsyncClient
) -> None:
    patient_id = await any_patient_id(client)
    presigned = await _presign(client, patient_id)
    key = _xml("Key", (await _upload(sandbox, presigned, b"hello")).text)
    other_patient = (await client.post("/patients", json={"first_name": "Other", "last_name": "Person"})).json()["id"]
    for body in (
        {"patient_id": other_patient, "upload_url": presigned["url"] + key},
        {"patient_id": patient_id, "upload_url": presigned["url"] + "sandbox/patients/1/nothing-here.pdf"},
    ):
        response = await client.post("/patient_attachments", json=body)
        assert response.status_code == 422
        assert response.json()["errors"] == {"temp_attachment_url": "is invalid"}
    blank = await client.post("/patient_attachments", json={"patient_id": patient_id})
    assert blank.json()["errors"] == {"upload_url": "can’t be blank"}


async def test_the_bucket_refuses_forged_or_stretched_policies(
    sandbox: ClinikoSandbox, client: httpx.AsyncClient
) -> None:
    presigned = await _presign(client, await any_patient_id(client))
    forged = {**presigned, "fields": {**presigned["fields"], "x-amz-signature": "0" * 64}}
    response = await _upload(sandbox, forged, b"x")
    assert response.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in response.text
    elsewhere = {
        **presigned,
        "fields": {**presigned["fields"], "key": "sandbox/patients/1/attachments/temp/x/${filename}"},
    }
    response = await _upload(sandbox, elsewhere, b"x")
    assert response.status_code == 403 and "Policy Condition failed" in response.text


async def test_an_expired_policy_is_refused(make_sandbox: SandboxFactory) -> None:
    clock = MutableClock()
    async with make_sandbox(clock=clock) as sandbox, client_for(sandbox) as client:
        presigned = await _presign(client, await any_patient_id(client))
        clock.advance(timedelta(hours=2))
        response = await _upload(sandbox, presigned, b"late")
    assert response.status_code == 403
    assert "<Code>AccessDenied</Code>" in response.text and "Policy expired" in response.text


async def test_files_over_25_mb_are_refused(sandbox: ClinikoSandbox, client: httpx.AsyncClient) -> None:
    presigned = await _presign(client, await any_patient_id(client))
    response = await _upload(sandbox, presigned, b"\0" * (25 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert "<Code>EntityTooLarge</Code>" in response.text
