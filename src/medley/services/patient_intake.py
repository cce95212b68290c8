"""A patient create as one use case, for every door (REST and MCP): the idempotent upsert, serialised per person
across replicas, and its event recorded once the EHR has confirmed it (DESIGN.md §2 and §6)."""

from __future__ import annotations

import hashlib

from medley.connectors.base import Connector
from medley.domain.models import PatientCreate
from medley.events.changes import EventType
from medley.services.locking import LockFactory
from medley.services.patients import UpsertOutcome, UpsertResult, upsert_patient
from medley.services.write_events import CREATED_VERSION, record_confirmed_write, updated_version
from medley.store.database import Store


async def create_or_find_patient(
    store: Store,
    lock: LockFactory,
    connector: Connector,
    *,
    application_id: str,
    emr: str,
    care_unit_id: str,
    patient: PatientCreate,
) -> UpsertResult:
    identity = patient.external_id or f"{patient.first_name}|{patient.last_name}|{patient.birth_date}"
    # The lock key is a digest: lock names may be visible to database operators.
    digest = hashlib.sha256(f"{application_id}|{care_unit_id}|{identity.casefold()}".encode()).hexdigest()
    async with lock(f"patient:{digest}"):
        result = await upsert_patient(connector, care_unit_id, patient)
    if result.outcome is not UpsertOutcome.unchanged:
        await record_confirmed_write(
            store,
            application_id=application_id,
            emr=emr,
            care_unit_id=care_unit_id,
            type=EventType.patient_created if result.created else EventType.patient_updated,
            record_type="patient",
            record_id=result.patient.id,
            occurred_at=None,
            data={"patient_id": result.patient.id, "care_unit_id": care_unit_id},
            version=CREATED_VERSION if result.created else updated_version(),
        )
    return result
