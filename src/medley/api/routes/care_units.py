"""EHRs, care units, resources and healthcare services: what can be booked, where."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response
from pydantic import TypeAdapter

from medley.api.deps import CallerDep, CareUnitId, ConnectorDep, EmrPath, RuntimeDep
from medley.api.freshness import freshness_headers
from medley.api.moments import Moment
from medley.api.problem import problem_responses
from medley.api.rendered import RenderedOnce
from medley.api.route_class import GatewayRoute
from medley.api.schemas import Emr
from medley.connectors.registry import capabilities_of, known_emrs
from medley.domain.errors import DetailCode
from medley.domain.ids import parse_typed_id
from medley.domain.models import CareUnit, HealthcareService, Resource, ScheduleBlock
from medley.services.availability import AvailabilityReader
from medley.services.time_windows import resolve_window
from medley.store.connections import list_connections

router = APIRouter(prefix="/api", route_class=GatewayRoute)
P = "/emrs/{emr}/care-units/{care_unit_id}"


@router.get("/emrs", tags=["EHRs"], responses=problem_responses(), summary="List EHRs and capabilities")
async def list_emrs(runtime: RuntimeDep, caller: CallerDep) -> list[Emr]:
    """Every EHR connector of this server, whether this application is connected to it, and what it can do."""
    connections = {c.emr: c for c in await list_connections(runtime.store, caller.application.id)}
    return [
        Emr(
            code=code,
            name=capabilities_of(code, runtime.settings).name,
            connected=code in connections,
            sandbox=code in connections and connections[code].kind == "sandbox",
            capabilities=capabilities_of(code, runtime.settings),
        )
        for code in known_emrs()
    ]


_CARE_UNITS = RenderedOnce(TypeAdapter(list[CareUnit]))


@router.get(
    "/emrs/{emr}/care-units",
    tags=["Care units"],
    response_model=list[CareUnit],
    responses=problem_responses(),
    summary="List care units",
)
async def list_care_units(connector: ConnectorDep) -> Response:
    """The clinics (Cliniko businesses) of the connected account: the entry point of every workflow."""
    # The first read of every client: rendered once per reference snapshot, not once per request.
    return Response(_CARE_UNITS.json(await connector.list_care_units()), media_type="application/json")


@router.get(P + "/resources", tags=["Resources"], responses=problem_responses(), summary="List resources")
async def list_resources(connector: ConnectorDep, care_unit_id: CareUnitId) -> list[Resource]:
    """Practitioners working at this care unit."""
    return await connector.list_resources(care_unit_id)


def _resource_id(resource_id: str) -> str:
    return parse_typed_id(resource_id, invalid_code=DetailCode.INVALID_RESOURCE_ID, field="resource_id")


@router.get(
    P + "/resources/{resource_id}",
    tags=["Resources"],
    responses=problem_responses(),
    summary="Get a resource",
)
async def get_resource(connector: ConnectorDep, care_unit_id: CareUnitId, resource_id: str) -> Resource:
    return await connector.get_resource(care_unit_id, _resource_id(resource_id))


@router.get(
    P + "/resources/{resource_id}/schedules",
    tags=["Resources"],
    responses=problem_responses(),
    summary="Get a resource's working time",
)
async def get_schedule(
    response: Response,
    runtime: RuntimeDep,
    caller: CallerDep,
    emr: EmrPath,
    connector: ConnectorDep,
    care_unit_id: CareUnitId,
    resource_id: str,
    start: Annotated[Moment | None, Query(description="Default: now.")] = None,
    end: Annotated[Moment | None, Query(description="Default: start + 14 days.")] = None,
) -> list[ScheduleBlock]:
    """Working time (weekly hours plus extra hours, minus time off) as `{start, end}` blocks."""
    rid = _resource_id(resource_id)
    unit = await connector.get_care_unit(care_unit_id)
    window = resolve_window(
        start,
        end,
        tz=ZoneInfo(unit.timezone),
        default_days=runtime.settings.timeslot_default_days,
        max_days=runtime.settings.timeslot_max_days,
        clamp_to_now=False,
    )
    reader = runtime.availability or AvailabilityReader(runtime.connectors, None)
    blocks, freshness = await reader.schedule(
        caller.application.id, emr, connector, care_unit_id, rid, window.start, window.end, ZoneInfo(unit.timezone)
    )
    response.headers.update(freshness_headers(freshness))
    return blocks


@router.get(
    P + "/healthcare-services",
    tags=["Healthcare services"],
    responses=problem_responses(),
    summary="List healthcare services",
)
async def list_services(connector: ConnectorDep, care_unit_id: CareUnitId) -> list[HealthcareService]:
    """Appointment types offered at this care unit, with their duration and who provides them."""
    return await connector.list_services(care_unit_id)
