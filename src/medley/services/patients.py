"""Patient use cases: search, get, and the idempotent create (an upsert keyed as DESIGN.md §2 says)."""

from __future__ import annotations

from dataclasses import dataclass

from medley.connectors.base import Connector
from medley.domain.models import Patient, PatientCreate, PatientQuery


@dataclass(frozen=True, slots=True)
class UpsertResult:
    patient: Patient
    created: bool


def _same_person(candidate: Patient, wanted: PatientCreate) -> bool:
    def norm(value: str | None) -> str:
        return (value or "").strip().casefold()

    return (
        norm(candidate.first_name) == norm(wanted.first_name)
        and norm(candidate.last_name) == norm(wanted.last_name)
        and candidate.birth_date == wanted.birth_date
    )


async def find_existing(connector: Connector, care_unit_id: str, wanted: PatientCreate) -> Patient | None:
    """The patient this create would duplicate: same ``external_id`` when one is given, otherwise the
    same first name, last name and birth date. A shared email alone never makes two people one."""
    if wanted.external_id:
        matches = await connector.search_patients(care_unit_id, PatientQuery(external_id=wanted.external_id))
        return matches[0] if matches else None
    query = PatientQuery(
        first_name=wanted.first_name, last_name=wanted.last_name, birth_date=wanted.birth_date
    )
    matches = [p for p in await connector.search_patients(care_unit_id, query) if _same_person(p, wanted)]
    return min(matches, key=lambda p: int(p.emr_id) if p.emr_id.isdigit() else 0) if matches else None


async def upsert_patient(connector: Connector, care_unit_id: str, wanted: PatientCreate) -> UpsertResult:
    existing = await find_existing(connector, care_unit_id, wanted)
    if existing is not None:
        return UpsertResult(existing, created=False)
    return UpsertResult(await connector.create_patient(care_unit_id, wanted), created=True)
