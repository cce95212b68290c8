"""Free timeslots: the availability a booking widget shows."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response

from medley.api.compression import GZIP_HEADERS, MIN_COMPRESSED_BYTES, accepts_gzip
from medley.api.deps import CallerDep, CareUnitId, ConnectorDep, EmrPath, RuntimeDep
from medley.api.freshness import DATA_AGE_HEADER, DATA_SOURCE_HEADER, freshness_headers
from medley.api.moments import Moment
from medley.api.problem import problem_responses
from medley.api.route_class import GatewayRoute
from medley.domain.errors import DetailCode
from medley.domain.ids import parse_plain_id, parse_typed_id
from medley.domain.models import Timeslot
from medley.services.availability import AvailabilityReader
from medley.services.time_windows import resolve_window

router = APIRouter(
    prefix="/api/emrs/{emr}/care-units/{care_unit_id}",
    tags=["Timeslots"],
    route_class=GatewayRoute,
)

NEXT_AVAILABLE_HEADER = "X-Next-Available-Start"


@router.get(
    "/timeslots",
    response_model=list[Timeslot],
    responses={
        **problem_responses(),
        200: {
            "description": "Free timeslots, sorted by start. When the list is empty, the "
            f"`{NEXT_AVAILABLE_HEADER}` header gives the start of the next free slot after the window "
            "(absent when nothing is free in the next 13 weeks).",
            "headers": {
                NEXT_AVAILABLE_HEADER: {"schema": {"type": "string", "format": "date-time"}},
                DATA_SOURCE_HEADER: {
                    "description": "`mirror` (Medley's synced copy of the EHR's schedule) or `live` (asked now).",
                    "schema": {"type": "string", "enum": ["mirror", "live"]},
                },
                DATA_AGE_HEADER: {
                    "description": "Seconds since the data was read from the EHR (0 when live).",
                    "schema": {"type": "integer"},
                },
            },
        },
    },
    summary="List free timeslots",
)
async def list_timeslots(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    caller: CallerDep,
    emr: EmrPath,
    connector: ConnectorDep,
    care_unit_id: CareUnitId,
    start: Annotated[
        Moment | None,
        Query(
            description="Window start (ISO-8601; default now). "
            "Without an offset it is read in the care unit's zone."
        ),
    ] = None,
    end: Annotated[
        Moment | None,
        Query(description="Window end (default start + 14 days; at most 62 days after start)."),
    ] = None,
    resource_id: Annotated[
        list[str] | None, Query(description="Only these resources (repeatable).", max_length=50)
    ] = None,
    healthcare_service_id: Annotated[
        list[str] | None, Query(description="Only these services (repeatable).", max_length=50)
    ] = None,
) -> list[Timeslot] | Response:
    """Free slots of every resource and service at this care unit, or of those you name."""
    settings = runtime.settings
    resources = [
        parse_typed_id(r, invalid_code=DetailCode.INVALID_RESOURCE_ID, field="resource_id")
        for r in resource_id or []
    ] or None
    services = [
        parse_plain_id(
            s, invalid_code=DetailCode.INVALID_HEALTHCARE_SERVICE_ID, field="healthcare_service_id"
        )
        for s in healthcare_service_id or []
    ] or None
    unit = await connector.get_care_unit(care_unit_id)
    window = resolve_window(
        start,
        end,
        tz=ZoneInfo(unit.timezone),
        default_days=settings.timeslot_default_days,
        max_days=settings.timeslot_max_days,
    )
    reader = runtime.availability or AvailabilityReader(runtime.connectors, None)
    found = await reader.timeslots(
        caller.application.id, emr, connector, care_unit_id, window.start, window.end, resources, services
    )
    freshness = found.freshness
    headers: dict[str, str] = {}
    if found.empty:
        upcoming, freshness = await reader.next_available(
            caller.application.id, emr, connector, care_unit_id, window.end, resources, services
        )
        if upcoming is not None:
            headers[NEXT_AVAILABLE_HEADER] = upcoming.start.isoformat()
    headers.update(freshness_headers(freshness))
    body = found.json()
    if body is not None:
        # Rendered (and compressed) once per answer (sync/reader.py): a storm of wide reads stays cheap.
        if len(body) >= MIN_COMPRESSED_BYTES and accepts_gzip(request):
            return Response(content=found.gzip(), media_type="application/json", headers={**headers, **GZIP_HEADERS})
        return Response(content=body, media_type="application/json", headers=headers)
    response.headers.update(headers)
    return found.items()
