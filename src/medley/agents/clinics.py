"""A clinic as the tools name it: ``<emr>/<care_unit_id>`` (e.g. ``cliniko/1001``), so that one agent can serve
clinics on different EHRs. Resolved through the application's own connections, exactly as a REST path is:
an EHR it has no connection to, or a care unit its connection does not reach, is not found."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from medley.agents.calls import ToolCall
from medley.connectors.base import Connector, Operation
from medley.connectors.registry import known_emrs
from medley.domain.errors import DetailCode, MedleyError
from medley.domain.ids import parse_plain_id
from medley.domain.models import CareUnit, HealthcareService, Resource
from medley.store.connections import list_connections


def clinic_name(emr: str, care_unit_id: str) -> str:
    return f"{emr}/{care_unit_id}"


def parse_clinic(raw: str) -> tuple[str, str]:
    emr, sep, unit = raw.strip().partition("/")
    if not sep or not emr or not unit:
        raise MedleyError.bad_request(
            "A clinic is named '<emr>/<care_unit_id>', e.g. 'cliniko/1001': use a name from list_clinics.",
            DetailCode.INVALID_CARE_UNIT_ID,
            path="clinic",
        )
    if emr not in known_emrs():
        raise MedleyError.not_found(
            f"Unknown EHR '{emr[:32]}' in the clinic name: use a name from list_clinics.", DetailCode.INVALID_EMR
        )
    return emr, parse_plain_id(unit, invalid_code=DetailCode.INVALID_CARE_UNIT_ID, field="clinic")


@dataclass(frozen=True, slots=True)
class Clinic:
    """One care unit of one of the caller's connections, with what the tools say about it."""

    emr: str
    connector: Connector
    unit: CareUnit

    @property
    def name(self) -> str:
        return clinic_name(self.emr, self.unit.id)

    @property
    def care_unit_id(self) -> str:
        return self.unit.id

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.unit.timezone)

    async def practitioners(self) -> dict[str, Resource]:
        return {r.id: r for r in await self.connector.list_resources(self.unit.id)}

    async def services(self) -> dict[str, HealthcareService]:
        return {s.id: s for s in await self.connector.list_services(self.unit.id)}


async def open_clinic(call: ToolCall, raw: str, *needs: Operation) -> Clinic:
    emr, care_unit_id = parse_clinic(raw)
    connector = await call.runtime.connectors.connector_for(call.application_id, call.caller.client_secret, emr)
    for operation in needs:  # what the EHR cannot do is refused before any upstream call, as in the REST API
        connector.capabilities().require(operation)
    unit = await connector.get_care_unit(care_unit_id)
    return Clinic(emr, connector, unit)


async def all_clinics(call: ToolCall) -> list[Clinic]:
    """Every care unit of every EHR this application is connected to."""
    clinics: list[Clinic] = []
    for connection in await list_connections(call.runtime.store, call.application_id):
        connector = await call.runtime.connectors.connector_for(
            call.application_id, call.caller.client_secret, connection.emr
        )
        clinics += [Clinic(connection.emr, connector, unit) for unit in await connector.list_care_units()]
    return clinics
