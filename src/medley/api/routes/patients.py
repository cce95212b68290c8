"""Patients: search, get, and create (an idempotent upsert)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from medley.api.deps import CallerDep, CareUnitId, ConnectorDep, EmrPath, RuntimeDep
from medley.api.problem import WRITE_STATUSES, problem_responses
from medley.api.route_class import GatewayRoute
from medley.domain.errors import DetailCode, MedleyError
from medley.domain.ids import parse_typed_id
from medley.domain.models import Patient, PatientCreate, PatientQuery
from medley.services.patient_intake import create_or_find_patient

router = APIRouter(
    prefix="/api/emrs/{emr}/care-units/{care_unit_id}",
    tags=["Patients"],
    route_class=GatewayRoute,
)


# A batch look-up's bound: one upstream read (Cliniko pages 100 records).
MAX_IDS = 100

# Which record a patient create returned: created, updated (an existing patient, changed) or unchanged.
UPSERT_RESULT_HEADER = "X-Upsert-Result"


def patient_id_of(raw: str) -> str:
    return parse_typed_id(raw, field="patient_id")


@router.get("/patients", responses=problem_responses(), summary="Search patients")
async def search_patients(
    connector: ConnectorDep,
    care_unit_id: CareUnitId,
    first_name: Annotated[str | None, Query(max_length=255)] = None,
    last_name: Annotated[str | None, Query(max_length=255)] = None,
    birth_date: Annotated[date | None, Query(description="YYYY-MM-DD")] = None,
    email: Annotated[str | None, Query(max_length=255)] = None,
    phone: Annotated[str | None, Query(max_length=40, description="Matched on digits.")] = None,
    external_id: Annotated[str | None, Query(max_length=255)] = None,
    ids: Annotated[
        str | None,
        Query(
            max_length=MAX_IDS * 24,
            description=f"Comma-separated patient ids (typed or bare), at most {MAX_IDS}: many patients in one "
            "read (e.g. the names of a week's appointments).",
        ),
    ] = None,
) -> list[Patient]:
    """Patients matching every criterion given (exact, case-insensitive names); none given lists all."""
    query = PatientQuery(
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        email=email,
        phone=phone,
        external_id=external_id,
        ids=_id_list(ids),
    )
    return await connector.search_patients(care_unit_id, query)


def _id_list(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    ids = [patient_id_of(part.strip()) for part in raw.split(",") if part.strip()]
    if len(ids) > MAX_IDS:
        raise MedleyError.bad_request(
            f"ids: at most {MAX_IDS} patients at a time.", DetailCode.MAX_ITEMS_EXCEEDED, path="query.ids"
        )
    return ids


@router.post(
    "/patients",
    status_code=status.HTTP_201_CREATED,
    responses={
        **problem_responses(*WRITE_STATUSES),
        200: {
            "model": Patient,
            "description": "The patient already existed (updated with what was given, or unchanged).",
        },
    },
    summary="Create a patient (idempotent upsert)",
)
async def create_patient(
    response: Response,
    runtime: RuntimeDep,
    caller: CallerDep,
    connector: ConnectorDep,
    emr: EmrPath,
    care_unit_id: CareUnitId,
    patient: PatientCreate,
) -> Patient:
    """Returns the existing patient (200) when the same person is already there, keyed on `external_id`
    when given, else on first name + last name + birth date, after writing what the request gives that the
    record lacks (new phones and emails added, other given fields replaced); otherwise creates one (201).
    The `X-Upsert-Result` header says which: `created`, `updated` or `unchanged`."""
    result = await create_or_find_patient(
        runtime.store, runtime.lock, connector,
        application_id=caller.application.id, emr=emr, care_unit_id=care_unit_id, patient=patient,
    )
    response.headers[UPSERT_RESULT_HEADER] = result.outcome.value
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return result.patient


@router.get("/patients/{patient_id}", responses=problem_responses(), summary="Get a patient")
async def get_patient(connector: ConnectorDep, care_unit_id: CareUnitId, patient_id: str) -> Patient:
    """`patient_id` may be typed (`emr_id:123`) or bare (`123`)."""
    return await connector.get_patient(care_unit_id, patient_id_of(patient_id))
