"""Patient use cases: search, get, and the idempotent create (an upsert keyed as DESIGN.md §2 says).

An upsert that finds the person writes what the request gives and the record lacks (docs/reference.md,
"Create or find a patient"): new phones and emails are added (most recent first), other given fields replace
the stored ones, and fields left out are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from medley.connectors.base import Connector
from medley.domain.models import Address, Patient, PatientCreate, PatientQuery, PatientUpdate


class UpsertOutcome(StrEnum):
    created = "created"
    updated = "updated"
    unchanged = "unchanged"


@dataclass(frozen=True, slots=True)
class UpsertResult:
    patient: Patient
    outcome: UpsertOutcome

    @property
    def created(self) -> bool:
        return self.outcome is UpsertOutcome.created


def _key_value(patient: Patient | PatientCreate, field: str) -> str | None:
    if field == "email":
        return _norm(patient.emails[0]) if patient.emails else None
    if field == "phone":
        return _digits(patient.phones[0]) if patient.phones else None
    value = getattr(patient, field)
    return None if value is None else _norm(str(value))


def _key_of(wanted: PatientCreate, keys: list[str]) -> list[str]:
    """The connector's upsert keys (``Capabilities.patient_upsert_key``, e.g. ``first_name+last_name+birth_date``)
    are tried in order: the first whose fields the request all gives, else the last one."""
    for key in keys:
        fields = key.split("+")
        if all(_key_value(wanted, f) for f in fields):
            return fields
    return keys[-1].split("+")


def _same_person(candidate: Patient, wanted: PatientCreate, fields: list[str]) -> bool:
    if "email" in fields:
        # Any of the candidate's addresses: the EHR may list them in another order.
        if _key_value(wanted, "email") not in {_norm(e) for e in candidate.emails}:
            return False
        fields = [f for f in fields if f != "email"]
    return all(_key_value(candidate, f) == _key_value(wanted, f) for f in fields)


async def find_existing(connector: Connector, care_unit_id: str, wanted: PatientCreate) -> Patient | None:
    """The patient this create would duplicate, by the EHR's upsert key: on Cliniko the same ``external_id``
    when one is given, otherwise the same first name, last name and birth date; on Acuity (no birth date, no
    external id) the same first name, last name and email (else phone). A shared email alone never makes two
    people one."""
    fields = _key_of(wanted, connector.capabilities().patient_upsert_key)
    if fields == ["external_id"]:
        matches = await connector.search_patients(care_unit_id, PatientQuery(external_id=wanted.external_id))
        return matches[0] if matches else None
    query = PatientQuery(
        first_name=wanted.first_name,
        last_name=wanted.last_name,
        birth_date=wanted.birth_date if "birth_date" in fields else None,
    )
    matches = [p for p in await connector.search_patients(care_unit_id, query) if _same_person(p, wanted, fields)]
    return min(matches, key=lambda p: int(p.emr_id) if p.emr_id.isdigit() else 0) if matches else None


def _norm(value: str | None) -> str:
    return (value or "").strip().casefold()


def _digits(phone: str) -> str:
    # Formatting and a trunk zero do not make a new number ("0444 444 444" is "+61 444 444 444").
    return re.sub(r"\D", "", phone).lstrip("0")


def _same_number(a: str, b: str) -> bool:
    x, y = _digits(a), _digits(b)
    return bool(x and y) and (x.endswith(y) or y.endswith(x))


def _merged_address(current: Address | None, given: Address | None) -> Address | None:
    """The stored address with every part the request gives replaced; None when nothing changes."""
    if given is None:
        return None
    parts = given.model_dump(exclude_none=True)
    merged = (current or Address()).model_copy(update=parts)
    return merged if merged != (current or Address()) else None


def changes_for(existing: Patient, wanted: PatientCreate) -> PatientUpdate:
    """What ``wanted`` gives that ``existing`` lacks or holds otherwise (empty: nothing to write)."""
    new_phones = [p for p in wanted.phones if not any(_same_number(p, q) for q in existing.phones)]
    new_emails = [e for e in wanted.emails if _norm(e) not in {_norm(x) for x in existing.emails}]
    return PatientUpdate(
        first_name=wanted.first_name if _norm(wanted.first_name) != _norm(existing.first_name) else None,
        last_name=wanted.last_name if _norm(wanted.last_name) != _norm(existing.last_name) else None,
        birth_date=wanted.birth_date if wanted.birth_date not in (None, existing.birth_date) else None,
        gender=wanted.gender if wanted.gender and _norm(wanted.gender) != _norm(existing.gender) else None,
        external_id=wanted.external_id if wanted.external_id not in (None, "", existing.external_id) else None,
        phones=[*existing.phones, *new_phones] if new_phones else [],
        emails=[*new_emails, *existing.emails] if new_emails else [],
        address=_merged_address(existing.address, wanted.address),
    )


def _is_empty(changes: PatientUpdate) -> bool:
    return not any(value for value in changes.model_dump().values())


async def upsert_patient(connector: Connector, care_unit_id: str, wanted: PatientCreate) -> UpsertResult:
    existing = await find_existing(connector, care_unit_id, wanted)
    if existing is None:
        return UpsertResult(await connector.create_patient(care_unit_id, wanted), UpsertOutcome.created)
    changes = changes_for(existing, wanted)
    if _is_empty(changes):
        return UpsertResult(existing, UpsertOutcome.unchanged)
    updated = await connector.update_patient(care_unit_id, existing.emr_id, changes)
    return UpsertResult(updated, UpsertOutcome.updated)
