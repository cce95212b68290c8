"""The event log of the calling application (DESIGN.md §6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from medley.api.deps import CallerDep, RuntimeDep
from medley.api.event_schemas import Event, EventPage
from medley.api.problem import problem_responses
from medley.api.route_class import GatewayRoute
from medley.domain.errors import DetailCode, MedleyError
from medley.events.log import MAX_PAGE, UnknownCursor, read_events
from medley.events.subscriptions import EVENT_TYPES

router = APIRouter(
    prefix="/api", tags=["Events"], route_class=GatewayRoute
)


def _types(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    wanted = [t.strip() for t in raw.split(",") if t.strip()]
    unknown = [t for t in wanted if t not in EVENT_TYPES]
    if unknown or not wanted:
        raise MedleyError.bad_request(
            "`types` must be a comma-separated list of event types, e.g. appointment.created.",
            DetailCode.BAD_INPUT, path="types",
        )
    return wanted


@router.get("/events", name="events.list", responses=problem_responses(), summary="Read the event log")
async def list_events(
    runtime: RuntimeDep,
    caller: CallerDep,
    after: Annotated[
        str | None, Query(max_length=64, description="An event id: return the events after it.")
    ] = None,
    types: Annotated[
        str | None, Query(max_length=500, description="Comma-separated event types to keep.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> EventPage:
    """This application's events, oldest first, after the cursor `after` (from the oldest kept without it).
    Paging with `next_after` never skips or repeats an event, even while new ones are being recorded."""
    try:
        events = await read_events(
            runtime.store, caller.application.id, after=after, types=_types(types), limit=limit + 1
        )
    except UnknownCursor:
        raise MedleyError.bad_request(
            "`after` names no event of this application (or one older than the retention of "
            f"{runtime.settings.event_retention_days} days).",
            DetailCode.BAD_INPUT, path="after",
        ) from None
    page = events[:limit]
    return EventPage(
        data=[
            Event(id=e.id, type=e.type, occurred_at=e.occurred_at, emr=e.emr, care_unit_id=e.care_unit_id,
                  data=e.data)
            for e in page
        ],
        has_more=len(events) > limit,
        next_after=page[-1].id if page else after,
    )
