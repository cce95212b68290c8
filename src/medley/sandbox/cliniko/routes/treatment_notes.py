"""Treatment notes (list, per patient, show, create, update, archive, unarchive) and their templates.

The author is always the practitioner of the API key's user: Cliniko takes no ``practitioner_id``.
A note leaves draft when ``draft`` is false, which stamps ``finalized_at``; a note written against a
booking sets that appointment's ``treatment_note_status`` (10 draft, 90 final).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, Response

from medley.sandbox.cliniko import serializers
from medley.sandbox.cliniko.bodies import MISSING, FieldReader, read_json_object
from medley.sandbox.cliniko.deps import ContextDep, ReadSession, UrlsDep, WriteSession, key_user
from medley.sandbox.cliniko.errors import Forbidden
from medley.sandbox.cliniko.filters import Kind, always_null, booleans, ids, instants, strings
from medley.sandbox.cliniko.listing import (
    Collection,
    archive_record,
    ensure_exists,
    find_visible,
    get_or_404,
    list_response,
    path_id,
)
from medley.sandbox.cliniko.references import check_exists
from medley.sandbox.cliniko.responses import created, no_content
from medley.sandbox.cliniko.tables import (
    Attendee,
    IndividualAppointment,
    Patient,
    Practitioner,
    TreatmentNote,
    TreatmentNoteTemplate,
)
from medley.sandbox.cliniko.treatment_note_content import validate_content
from medley.sandbox.cliniko.urls import Urls

router = APIRouter()

UNTITLED = "Treatment Note"
"""The title of a note sent without one or a template (Cliniko's document has no null title)."""
DRAFT_STATUS = 10
FINAL_STATUS = 90

TREATMENT_NOTES = Collection(
    "treatment_notes",
    {
        "archived_at": instants(TreatmentNote.archived_at),
        "attendee_id": ids(TreatmentNote.attendee_id),
        "booking_id": ids(TreatmentNote.booking_id),
        "created_at": instants(TreatmentNote.created_at),
        "deleted_at": always_null(Kind.DATETIME),
        "draft": booleans(TreatmentNote.draft),
        "id": ids(TreatmentNote.id),
        "patient_id": ids(TreatmentNote.patient_id),
        "practitioner_id": ids(TreatmentNote.practitioner_id),
        "treatment_note_template_id": ids(TreatmentNote.treatment_note_template_id),
        "updated_at": instants(TreatmentNote.updated_at),
    },
    hidden=("archived_at",),
)

TEMPLATES = Collection(
    "treatment_note_templates",
    {
        "archived_at": instants(TreatmentNoteTemplate.archived_at),
        "created_at": instants(TreatmentNoteTemplate.created_at),
        "id": ids(TreatmentNoteTemplate.id),
        "name": strings(TreatmentNoteTemplate.name),
        "updated_at": instants(TreatmentNoteTemplate.updated_at),
    },
    hidden=("archived_at",),
)


async def _notes_listing(request: Request, session: AsyncSession, urls: Urls, patient_id: int | None) -> Response:
    async def render(rows: Sequence[TreatmentNote]) -> list[dict[str, Any]]:
        return [serializers.treatment_note(row, urls) for row in rows]

    statement = select(TreatmentNote)
    if patient_id is not None:
        statement = statement.where(TreatmentNote.patient_id == patient_id)
    return await list_response(request, session, urls, TREATMENT_NOTES, statement, render)


@router.get("/treatment_notes")
async def list_treatment_notes(request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    return await _notes_listing(request, session, urls, None)


@router.get("/patients/{patient_id}/treatment_notes")
async def list_patient_treatment_notes(
    patient_id: str, request: Request, session: ReadSession, urls: UrlsDep
) -> Response:
    patient = path_id(patient_id)
    await ensure_exists(session, select(Patient.id).where(Patient.id == patient, Patient.archived_at.is_(None)))
    return await _notes_listing(request, session, urls, patient)


@router.get("/treatment_notes/{treatment_note_id}")
async def show_treatment_note(
    treatment_note_id: str, request: Request, session: ReadSession, urls: UrlsDep
) -> Response:
    statement = select(TreatmentNote).where(TreatmentNote.id == path_id(treatment_note_id))
    row = await find_visible(request, session, TREATMENT_NOTES, statement)
    return JSONResponse(serializers.treatment_note(row, urls))


async def _author(session: AsyncSession) -> Practitioner:
    user = await key_user(session)
    practitioner = await session.scalar(
        select(Practitioner).where(Practitioner.user_id == user.id).order_by(Practitioner.id).limit(1)
    )
    if practitioner is None:
        raise Forbidden("Only practitioners can write treatment notes")
    return practitioner


async def _mark_booking(session: AsyncSession, booking_id: int | None, draft: bool) -> None:
    if booking_id is None:
        return
    appointment = await session.get(IndividualAppointment, booking_id)
    if appointment is not None:
        appointment.treatment_note_status = DRAFT_STATUS if draft else FINAL_STATUS


def _read_content(reader: FieldReader) -> Any:
    if not reader.has("content"):
        return MISSING
    return validate_content(reader.body["content"])


@router.post("/treatment_notes")
async def create_treatment_note(
    request: Request, session: WriteSession, urls: UrlsDep, context: ContextDep
) -> Response:
    reader = FieldReader(await read_json_object(request))
    content = _read_content(reader)
    patient_id = reader.record_id("patient_id", relation="patient", required=True)
    template_id = reader.record_id("treatment_note_template_id", relation="treatment_note_template")
    booking_id = reader.record_id("booking_id", relation="booking")
    attendee_id = reader.record_id("attendee_id", relation="attendee")
    title = reader.text("title")
    draft = reader.flag("draft")
    await check_exists(
        session,
        reader,
        {
            "patient": (Patient, patient_id),
            "treatment_note_template": (TreatmentNoteTemplate, template_id),
            "booking": (IndividualAppointment, booking_id),
            "attendee": (Attendee, attendee_id),
        },
    )
    reader.raise_if_invalid()
    author = await _author(session)
    template = await session.get(TreatmentNoteTemplate, template_id) if isinstance(template_id, int) else None
    is_draft = draft if isinstance(draft, bool) else True
    now = context.now()
    note = TreatmentNote(
        patient_id=patient_id,
        practitioner_id=author.id,
        treatment_note_template_id=template_id if isinstance(template_id, int) else None,
        booking_id=booking_id if isinstance(booking_id, int) else None,
        attendee_id=attendee_id if isinstance(attendee_id, int) else None,
        title=title if isinstance(title, str) else (template.name if template is not None else UNTITLED),
        draft=is_draft,
        finalized_at=None if is_draft else now,
        author_name=serializers.full_name(author.first_name, author.last_name, author.title),
        content=content if content is not MISSING else None,
        created_at=now,
        updated_at=now,
    )
    session.add(note)
    await _mark_booking(session, note.booking_id, is_draft)
    await session.commit()
    return created(serializers.treatment_note(note, urls))


@router.patch("/treatment_notes/{treatment_note_id}")
@router.put("/treatment_notes/{treatment_note_id}")
async def update_treatment_note(
    treatment_note_id: str, request: Request, session: WriteSession, urls: UrlsDep, context: ContextDep
) -> Response:
    note = await get_or_404(session, TreatmentNote, path_id(treatment_note_id))
    reader = FieldReader(await read_json_object(request))
    content = _read_content(reader)
    title = reader.text("title")
    draft = reader.flag("draft")
    template_id = reader.record_id("treatment_note_template_id", relation="treatment_note_template")
    booking_id = reader.record_id("booking_id", relation="booking")
    attendee_id = reader.record_id("attendee_id", relation="attendee")
    await check_exists(
        session,
        reader,
        {
            "treatment_note_template": (TreatmentNoteTemplate, template_id),
            "booking": (IndividualAppointment, booking_id),
            "attendee": (Attendee, attendee_id),
        },
    )
    reader.raise_if_invalid()
    now = context.now()
    if content is not MISSING:
        note.content = content
    if title is not MISSING:
        note.title = title
    if template_id is not MISSING:
        note.treatment_note_template_id = template_id
    if booking_id is not MISSING:
        note.booking_id = booking_id
    if attendee_id is not MISSING:
        note.attendee_id = attendee_id
    if isinstance(draft, bool) and draft != note.draft:
        note.draft = draft
        note.finalized_at = None if draft else now
    await _mark_booking(session, note.booking_id, note.draft)
    note.updated_at = now
    await session.commit()
    return JSONResponse(serializers.treatment_note(note, urls))


@router.post("/treatment_notes/{treatment_note_id}/archive")
@router.delete("/treatment_notes/{treatment_note_id}")
async def archive_treatment_note(treatment_note_id: str, session: WriteSession, context: ContextDep) -> Response:
    await archive_record(session, TreatmentNote, treatment_note_id, context.now())
    return no_content()


@router.post("/treatment_notes/{treatment_note_id}/unarchive")
async def unarchive_treatment_note(
    treatment_note_id: str, session: WriteSession, urls: UrlsDep, context: ContextDep
) -> Response:
    note = await get_or_404(session, TreatmentNote, path_id(treatment_note_id))
    if note.archived_at is not None:
        note.archived_at = None
        note.updated_at = context.now()
        await session.commit()
    return JSONResponse(serializers.treatment_note(note, urls))


@router.get("/treatment_note_templates")
async def list_treatment_note_templates(request: Request, session: ReadSession, urls: UrlsDep) -> Response:
    async def render(rows: Sequence[TreatmentNoteTemplate]) -> list[dict[str, Any]]:
        return [serializers.treatment_note_template(row, urls) for row in rows]

    return await list_response(request, session, urls, TEMPLATES, select(TreatmentNoteTemplate), render)


@router.get("/treatment_note_templates/{template_id}")
async def show_treatment_note_template(
    template_id: str, request: Request, session: ReadSession, urls: UrlsDep
) -> Response:
    statement = select(TreatmentNoteTemplate).where(TreatmentNoteTemplate.id == path_id(template_id))
    row = await find_visible(request, session, TEMPLATES, statement)
    return JSONResponse(serializers.treatment_note_template(row, urls))
