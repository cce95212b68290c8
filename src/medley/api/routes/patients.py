"""Patients: search, get, and create (an idempotent upsert)."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from medley.api.deps import CallerDep, CareUnitId, ConnectorDep, RuntimeDep
from medley.api.ids import parse_typed_id
from medley.api.problem import WRITE_STATUSES, problem_responses
from medley.api.route_class import GatewayRoute
from medley.api.text_input import refuse_nul_characters
from medley.domain.models import Patient, PatientCreate, PatientQuery
from medley.services.patients import upsert_patient

router = APIRouter(
    prefix="/api/emrs/{emr}/care-units/{care_unit_id}",
    tags=["Patients"],
    route_class=GatewayRoute,
    dependencies=[Depends(refuse_nul_characters)],
)


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
) -> list[Patient]:
    """Patients matching every criterion given (exact, case-insensitive names); none given lists all."""
    query = PatientQuery(
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        email=email,
        phone=phone,
        external_id=external_id,
    )
    return await connector.search_patients(care_unit_id, query)


@router.post(
    "/patients",
    status_code=status.HTTP_201_CREATED,
    responses={
        **problem_responses(*WRITE_STATUSES),
        200: {"model": Patient, "description": "The patient already existed."},
    },
    summary="Create a patient (idempotent upsert)",
)
async def create_patient(
    response: Response,
    runtime: RuntimeDep,
    caller: CallerDep,
    connector: ConnectorDep,
    care_unit_id: CareUnitId,
    patient: PatientCreate,
) -> Patient:
    """Returns the existing patient (200) when the same person is already there, keyed on `external_id`
    when given, else on first name + last name + birth date; otherwise creates one (201)."""
    identity = patient.external_id or f"{patient.first_name}|{patient.last_name}|{patient.birth_date}"
    # The lock key is a digest: lock names may be visible to database operators.
    digest = hashlib.sha256(f"{caller.application.id}|{care_unit_id}|{identity.casefold()}".encode()).hexdigest()
    async with runtime.lock(f"patient:{digest}"):
        result = await upsert_patient(connector, care_unit_id, patient)
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return result.patient


@router.get("/patients/{patient_id}", responses=problem_responses(), summary="Get a patient")
async def get_patient(connector: ConnectorDep, care_unit_id: CareUnitId, patient_id: str) -> Patient:
    """`patient_id` may be typed (`emr_id:123`) or bare (`123`)."""
    return await connector.get_patient(care_unit_id, patient_id_of(patient_id))
