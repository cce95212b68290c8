"""Acuity clients as Medley patients.

Acuity's v1 API gives clients no id (reference §7): they are listed with ``GET /clients`` (``search`` narrows by
name or phone), created with ``POST /clients``, and changed with ``PUT /clients?firstName=…&lastName=…[&phone=…]``,
found by name (and phone). Medley's patient id is derived from the client's names and e-mail (``mapping``), so
finding one patient by id reads the account's client list, remembered briefly (``Settings.timeslot_cache_seconds``)
and read again once when the id is not in the remembered copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from medley.connectors.acuity import mapping
from medley.connectors.acuity.client import AcuityClient
from medley.connectors.acuity.timeslots import Remembered
from medley.domain.errors import DetailCode, MedleyError
from medley.domain.models import PatientQuery

JsonObject = dict[str, Any]
_ALL = "all"


class ClientDirectory:
    def __init__(self, client: AcuityClient, ttl_seconds: float) -> None:
        self._client = client
        self._all: Remembered[list[JsonObject]] = Remembered(ttl_seconds)

    async def _everyone(self, fresh: bool = False) -> list[JsonObject]:
        return await self._all.get(_ALL, lambda: self._client.get_list("/clients"), fresh=fresh)

    def forget(self) -> None:
        self._all.forget(None)

    async def find(self, patient_id: str) -> JsonObject:
        """The client whose derived id is ``patient_id``; 404 ``INVALID_PATIENT_ID`` when none."""
        if not mapping.is_patient_id(patient_id):
            raise _no_patient()
        for fresh in (False, True):
            for record in await self._everyone(fresh=fresh):
                if mapping.patient_id_of(record) == patient_id:
                    return record
        raise _no_patient()

    async def search(self, query: PatientQuery) -> list[JsonObject]:
        """Clients matching every given field exactly (case-insensitive; phones by their digits)."""
        unsupported = [f for f in ("birth_date", "external_id") if getattr(query, f) is not None]
        if unsupported:
            raise MedleyError.not_supported(
                f"Acuity clients have no {unsupported[0].replace('_', ' ')}: search by name, e-mail or phone."
            )
        term = next((v.strip() for v in (query.last_name, query.first_name, query.phone) if v and v.strip()), None)
        records = (
            await self._client.get_list("/clients", [("search", term)]) if term else await self._everyone(fresh=True)
        )
        wanted_ids = set(query.ids) if query.ids is not None else None
        return [
            r for r in records if _matches(r, query) and (wanted_ids is None or mapping.patient_id_of(r) in wanted_ids)
        ]

    async def create(self, body: Mapping[str, Any]) -> JsonObject:
        created = await self._client.post("/clients", dict(body))
        self.forget()
        if not isinstance(created, dict):
            raise MedleyError.emr_error("Acuity sent no client back.", None, None)
        return created

    async def update(self, current: Mapping[str, Any], changes: Mapping[str, Any]) -> JsonObject:
        """Acuity finds the client to change by its current names (and phone)."""
        params = [("firstName", str(current.get("firstName") or "")), ("lastName", str(current.get("lastName") or ""))]
        if mapping.text(current.get("phone")):
            params.append(("phone", str(current["phone"])))
        updated = await self._client.put("/clients", dict(changes), params)
        self.forget()
        return updated if isinstance(updated, dict) else {**current, **changes}


def _norm(value: object) -> str:
    return (mapping.text(value) or "").casefold()


def _digits(value: object) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit()).lstrip("0")


def _matches(record: Mapping[str, Any], query: PatientQuery) -> bool:
    for field, value in (("firstName", query.first_name), ("lastName", query.last_name), ("email", query.email)):
        if value is not None and value.strip() and _norm(record.get(field)) != value.strip().casefold():
            return False
    if query.phone and query.phone.strip():
        mine, theirs = _digits(query.phone), _digits(record.get("phone"))
        if not mine or not theirs or not (mine.endswith(theirs) or theirs.endswith(mine)):
            return False
    return True


def _no_patient() -> MedleyError:
    return MedleyError.not_found("No patient with this id.", DetailCode.INVALID_PATIENT_ID)
