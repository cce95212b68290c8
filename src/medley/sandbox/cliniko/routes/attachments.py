"""Patient attachments: the presigned upload (step 1), the record (step 3), lists, show, content, archive.

As in Cliniko, an upload is processed after its record is created: the record starts with
``processing_completed: false`` and no ``filename``, ``content_type``, ``size`` or ``processed_at``; once
the context's ``attachment_processing`` has passed (on its clock), the next request that reads attachments
finishes it (the file moves from the bucket's temporary object into the record, ``updated_at`` changes).
A zero delay processes it at once, in the create. ``GET /patient_attachments/{id}/content`` serves the
bytes directly (404 while the file is still processing).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from fastapi import APIRouter, Request
from sqlalchemy import Select, delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from starlette.responses import JSONResponse, Response

from medley.sandbox.cliniko import serializers
from medley.sandbox.cliniko.bodies import FieldReader, read_json_object
from medley.sandbox.cliniko.context import SandboxContext
from medley.sandbox.cliniko.deps import ContextDep, ReadSession, UrlsDep, WriteSession, key_user
from medley.sandbox.cliniko.errors import IS_INVALID, RecordNotFound
from medley.sandbox.cliniko.fake_s3 import bucket_url
from medley.sandbox.cliniko.filters import ids, instants, integers, strings
from medley.sandbox.cliniko.listing import (
    Collection,
    archive_record,
    ensure_exists,
    find_visible,
    list_response,
    path_id,
)
from medley.sandbox.cliniko.references import check_exists
from medley.sandbox.cliniko.responses import created, no_content
from medley.sandbox.cliniko.s3_policy import BUCKET, presigned_fields, signing_secret, temp_prefix
from medley.sandbox.cliniko.tables import Patient, PatientAttachment, UploadedObject
from medley.sandbox.cliniko.urls import Urls

router = APIRouter()

ATTACHMENTS = Collection(
    "patient_attachments",
    {
        "archived_at": instants(PatientAttachment.archived_at),
        "content_type": strings(PatientAttachment.content_type),
        "created_at": instants(PatientAttachment.created_at),
        "description": strings(PatientAttachment.description),
        "filename": strings(PatientAttachment.filename),
        "id": ids(PatientAttachment.id),
        "patient_id": ids(PatientAttachment.patient_id),
        "processed_at": instants(PatientAttachment.processed_at),
        "size": integers(PatientAttachment.size),
        "updated_at": instants(PatientAttachment.updated_at),
        "user_id": ids(PatientAttachment.user_id),
    },
    hidden=("archived_at",),
)


async def finish_due_processing(context: SandboxContext) -> None:
    """Completes the attachments whose processing time is up, before a request reads any (its own session
    starts after this commits, so it sees them done)."""
    due_before = context.now() - context.attachment_processing
    pending = PatientAttachment.upload_key.is_not(None) & (PatientAttachment.created_at <= due_before)
    async with context.database.reader() as session:
        if not await session.scalar(select(exists().where(pending))):
            return
    async with context.database.writer() as session:
        for attachment in await session.scalars(select(PatientAttachment).where(pending)):
            uploaded = await session.get(UploadedObject, attachment.upload_key)
            _complete(attachment, uploaded, context.now())
            if uploaded is not None:
                await session.delete(uploaded)
        await session.commit()


def _complete(attachment: PatientAttachment, uploaded: UploadedObject | None, now: datetime) -> None:
    """The file becomes the attachment's; a temporary object that vanished leaves an empty file."""
    attachment.filename = attachment.filename or (uploaded.filename if uploaded is not None else None)
    attachment.content_type = uploaded.content_type if uploaded is not None else "application/octet-stream"
    attachment.data = uploaded.data if uploaded is not None else b""
    attachment.size = len(attachment.data)
    attachment.processing_completed = True
    attachment.processed_at = attachment.updated_at = now
    attachment.upload_key = None


def _without_bytes() -> Select[PatientAttachment]:
    # Lists and shows never need the file itself; only /content loads it.
    return select(PatientAttachment).options(defer(PatientAttachment.data))


async def _visible_patient(session: AsyncSession, raw_id: str) -> int:
    patient_id = path_id(raw_id)
    await ensure_exists(session, select(Patient.id).where(Patient.id == patient_id, Patient.archived_at.is_(None)))
    return patient_id


@router.get("/patients/{patient_id}/attachment_presigned_post")
async def attachment_presigned_post(
    patient_id: str, session: ReadSession, urls: UrlsDep, context: ContextDep
) -> Response:
    patient = await _visible_patient(session, patient_id)
    fields = presigned_fields(
        signing_secret(context.api_key.value), patient_id=patient, upload_id=str(uuid.uuid4()), now=context.now()
    )
    return JSONResponse({"url": bucket_url(urls), "fields": fields})


async def _listing(
    request: Request, session: AsyncSession, urls: Urls, statement: Select[PatientAttachment]
) -> Response:
    async def render(rows: Sequence[PatientAttachment]) -> list[dict[str, Any]]:
        return [serializers.patient_attachment(row, urls) for row in rows]

    return await list_response(request, session, urls, ATTACHMENTS, statement, render)


@router.get("/patient_attachments")
async def list_attachments(request: Request, session: ReadSession, urls: UrlsDep, context: ContextDep) -> Response:
    await finish_due_processing(context)
    return await _listing(request, session, urls, _without_bytes())


@router.get("/patients/{patient_id}/patient_attachments")
async def list_patient_attachments(
    patient_id: str, request: Request, session: ReadSession, urls: UrlsDep, context: ContextDep
) -> Response:
    await finish_due_processing(context)
    patient = await _visible_patient(session, patient_id)
    return await _listing(request, session, urls, _without_bytes().where(PatientAttachment.patient_id == patient))


def _uploaded_key(upload_url: str) -> str | None:
    """The object key in ``<emulator>/s3/<bucket>/<key>``, whatever host or prefix the URL has."""
    path = urlsplit(upload_url).path
    marker = f"/s3/{BUCKET}/"
    if marker not in path:
        return None
    key = unquote(path.split(marker, 1)[1])
    return key or None


@router.post("/patient_attachments")
async def create_attachment(request: Request, session: WriteSession, urls: UrlsDep, context: ContextDep) -> Response:
    reader = FieldReader(await read_json_object(request))
    patient_id = reader.record_id("patient_id", relation="patient", required=True)
    upload_url = reader.text("upload_url", required=True, max_length=None)
    description = reader.text("description")
    filename = reader.text("filename")
    await check_exists(session, reader, {"patient": (Patient, patient_id)})
    uploaded: UploadedObject | None = None
    if isinstance(upload_url, str) and isinstance(patient_id, int):
        key = _uploaded_key(upload_url)
        if key is not None and key.startswith(temp_prefix(patient_id)) and not await _claimed(session, key):
            uploaded = await session.get(UploadedObject, key)
        if uploaded is None:
            # Cliniko reports a bad upload under the name its model gives it, not the request field's.
            reader.fail("temp_attachment_url", IS_INVALID)
    reader.raise_if_invalid()
    assert uploaded is not None
    user = await key_user(session)
    now = context.now()
    attachment = PatientAttachment(
        patient_id=patient_id,
        user_id=user.id,
        description=description if isinstance(description, str) else None,
        processing_completed=False,
        upload_key=uploaded.key,
        created_at=now,
        updated_at=now,
    )
    if isinstance(filename, str) and filename:
        # The name asked for replaces the uploaded file's once processing is done.
        uploaded.filename = filename
    if context.attachment_processing <= timedelta(0):
        _complete(attachment, uploaded, now)
        await session.execute(delete(UploadedObject).where(UploadedObject.key == uploaded.key))
    session.add(attachment)
    await session.commit()
    return created(serializers.patient_attachment(attachment, urls))


async def _claimed(session: AsyncSession, key: str) -> bool:
    """Whether an attachment still processing already uses this upload (a finished one removed it)."""
    return bool(await session.scalar(select(exists().where(PatientAttachment.upload_key == key))))


@router.get("/patient_attachments/{attachment_id}")
async def show_attachment(
    attachment_id: str, request: Request, session: ReadSession, urls: UrlsDep, context: ContextDep
) -> Response:
    await finish_due_processing(context)
    statement = _without_bytes().where(PatientAttachment.id == path_id(attachment_id))
    row = await find_visible(request, session, ATTACHMENTS, statement)
    return JSONResponse(serializers.patient_attachment(row, urls))


def _content_disposition(filename: str) -> str:
    fallback = "".join(char if char.isascii() and char not in '"\\' else "_" for char in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


@router.get("/patient_attachments/{attachment_id}/content")
async def attachment_content(
    attachment_id: str, request: Request, session: ReadSession, context: ContextDep
) -> Response:
    await finish_due_processing(context)
    statement = select(PatientAttachment).where(PatientAttachment.id == path_id(attachment_id))
    row = await find_visible(request, session, ATTACHMENTS, statement)
    if not row.processing_completed:
        raise RecordNotFound()
    return Response(
        row.data or b"",
        media_type=row.content_type or "application/octet-stream",
        headers={"Content-Disposition": _content_disposition(row.filename or f"attachment-{row.id}")},
    )


@router.post("/patient_attachments/{attachment_id}/archive")
@router.delete("/patient_attachments/{attachment_id}")
async def archive_attachment(attachment_id: str, session: WriteSession, context: ContextDep) -> Response:
    await archive_record(session, PatientAttachment, attachment_id, context.now())
    return no_content()
