"""Clinical records of a patient: medical notes (Cliniko treatment notes) and documents (attachments)."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from medley.api.deps import CallerDep, CareUnitId, ConnectorDep, EmrPath, RuntimeDep
from medley.api.problem import WRITE_STATUSES, problem_responses
from medley.api.route_class import GatewayRoute
from medley.api.schemas import DocumentCreate, MedicalNoteCreate
from medley.domain.errors import DetailCode, ErrorCode, ErrorDetail, MedleyError
from medley.domain.ids import parse_plain_id, parse_typed_id
from medley.domain.models import Document, MedicalNote, NewDocument, NewMedicalNote
from medley.events.changes import EventType
from medley.services.write_events import record_confirmed_write

router = APIRouter(
    prefix="/api/emrs/{emr}/care-units/{care_unit_id}",
    route_class=GatewayRoute,
)

_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")


def _patient_id(raw: str) -> str:
    return parse_typed_id(raw, field="patient_id")


@router.get(
    "/patients/{patient_id}/medical-notes",
    tags=["Medical notes"],
    responses=problem_responses(),
    summary="List a patient's medical notes",
)
async def list_notes(connector: ConnectorDep, care_unit_id: CareUnitId, patient_id: str) -> list[MedicalNote]:
    return await connector.list_notes(care_unit_id, _patient_id(patient_id))


@router.get(
    "/medical-notes",
    tags=["Medical notes"],
    responses=problem_responses(),
    summary="List a patient's medical notes (query form)",
)
async def list_notes_by_query(
    connector: ConnectorDep,
    care_unit_id: CareUnitId,
    patient_id: Annotated[str, Query(max_length=100, description="Typed patient id.")],
) -> list[MedicalNote]:
    return await connector.list_notes(care_unit_id, _patient_id(patient_id))


@router.post(
    "/patients/{patient_id}/medical-notes",
    tags=["Medical notes"],
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE_STATUSES),
    summary="Write a medical note (unsigned)",
)
async def create_note(
    runtime: RuntimeDep,
    caller: CallerDep,
    connector: ConnectorDep,
    emr: EmrPath,
    care_unit_id: CareUnitId,
    patient_id: str,
    body: MedicalNoteCreate,
) -> MedicalNote:
    """Notes are created unsigned (a draft in Cliniko); the clinician signs them in the EHR."""
    note = NewMedicalNote(
        template_id=body.template_id,
        title=body.title,
        created_by_id=parse_typed_id(
            body.created_by_id, invalid_code=DetailCode.INVALID_CREATED_BY_ID, field="created_by_id"
        )
        if body.created_by_id
        else None,
        content=body.content,
    )
    created = await connector.create_note(care_unit_id, _patient_id(patient_id), note)
    await record_confirmed_write(
        runtime.store, application_id=caller.application.id, emr=emr, care_unit_id=care_unit_id,
        type=EventType.medical_note_created, record_type="medical_note", record_id=created.id,
        occurred_at=created.created_at,
        data={"medical_note_id": created.id, "patient_id": created.patient_id, "created_by_id": created.created_by_id},
    )
    return created


@router.get(
    "/patients/{patient_id}/documents",
    tags=["Documents"],
    responses=problem_responses(),
    summary="List a patient's documents",
)
async def list_documents(
    connector: ConnectorDep, care_unit_id: CareUnitId, patient_id: str
) -> list[Document]:
    return await connector.list_documents(care_unit_id, _patient_id(patient_id))


def _decode(content: str, limit: int) -> bytes:
    # Refuse before decoding: base64 is 4/3 of the file, so this bounds the work done on huge bodies.
    if len(content) > (limit * 4) // 3 + 8:
        raise _too_large(limit)
    invalid = MedleyError.bad_request("`content` is not valid base64.", DetailCode.BAD_INPUT, path="content")
    try:
        encoded = content.encode("ascii")
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise invalid from None
    # The decoder forgives excess padding ("QUJD="): only the canonical encoding is taken, so what is
    # stored is exactly what the client meant to send.
    if base64.b64encode(data) != encoded:
        raise invalid
    if not data:
        raise MedleyError.bad_request(
            "`content` is empty.", DetailCode.MISSING_REQUIRED_FIELD, path="content"
        )
    if len(data) > limit:
        raise _too_large(limit)
    return data


def _too_large(limit: int) -> MedleyError:
    detail = f"The document is larger than the limit of {limit} bytes."
    return MedleyError(
        ErrorCode.PAYLOAD_TOO_LARGE,
        detail,
        [ErrorDetail(DetailCode.DOCUMENT_TOO_LARGE, detail, path="content")],
    )


@router.post(
    "/patients/{patient_id}/documents",
    tags=["Documents"],
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(413, *WRITE_STATUSES),
    summary="Attach a document",
)
async def create_document(
    runtime: RuntimeDep,
    caller: CallerDep,
    connector: ConnectorDep,
    emr: EmrPath,
    care_unit_id: CareUnitId,
    patient_id: str,
    body: DocumentCreate,
) -> Document:
    """Upload a file (base64 in `content`, its MIME type in `format`); see the size limit in `GET /api/emrs`."""
    mime = body.format.strip().lower()
    if not _MIME.fullmatch(mime):
        raise MedleyError.bad_request(
            "`format` must be a MIME type such as application/pdf.", DetailCode.BAD_INPUT, path="format"
        )
    data = _decode(body.content, runtime.settings.document_max_bytes)
    document = NewDocument(
        title=body.title,
        type=body.type,
        format=mime,
        created_by_id=parse_typed_id(
            body.created_by_id, invalid_code=DetailCode.INVALID_CREATED_BY_ID, field="created_by_id"
        )
        if body.created_by_id
        else None,
        content=data,
    )
    created = await connector.create_document(care_unit_id, _patient_id(patient_id), document)
    await record_confirmed_write(
        runtime.store, application_id=caller.application.id, emr=emr, care_unit_id=care_unit_id,
        type=EventType.document_created, record_type="document", record_id=created.id,
        occurred_at=created.created_at,
        data={"document_id": created.id, "patient_id": created.patient_id, "created_by_id": created.created_by_id},
    )
    return created


@router.get(
    "/patients/{patient_id}/documents/{document_id}",
    tags=["Documents"],
    responses={
        **problem_responses(),
        200: {
            "description": "The file itself, with its MIME type.",
            # The file's own type (application/pdf, text/plain, …): any media type may come back.
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        },
    },
    response_class=Response,
    summary="Download a document",
)
async def get_document(
    connector: ConnectorDep, care_unit_id: CareUnitId, patient_id: str, document_id: str
) -> Response:
    file = await connector.get_document(
        care_unit_id,
        _patient_id(patient_id),
        parse_plain_id(document_id, invalid_code=DetailCode.INVALID_DOCUMENT_ID, field="document_id"),
    )
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", file.filename or "document")[:100]
    return Response(
        content=file.content,
        media_type=file.format,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
