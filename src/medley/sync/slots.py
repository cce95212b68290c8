"""Free timeslots computed from the mirror with the scheduling core, exactly as the EHR's own engine does.

For Cliniko that engine is ``available_times``: per (business, practitioner, appointment type) and per
window of at most 7 local calendar days, working time (weekly hours at that business plus its extra
availability) minus busy time (the practitioner's appointments and time off at any business), cut into
back-to-back slots of the type's duration from the start of each free interval, after the minimum notice
and within the booking horizon. The same windows are used here, so the grid lands where the EHR's does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.connectors.cliniko.timeslots import date_windows
from medley.connectors.sync_source import BookingLimits
from medley.domain.models import Timeslot
from medley.scheduling import Interval, WorkingPeriod, iter_bookable_starts, to_instant, working_intervals
from medley.store.tables import MirrorBookingRow, MirrorOfferingRow, MirrorOpeningRow, MirrorWorkingHoursRow

Pair = tuple[str, str]  # (resource id, service id)
_ONE_DAY = timedelta(days=1)


@dataclass(slots=True)
class SlotInputs:
    """Everything the arithmetic needs for some resources of one care unit over one span."""

    limits: BookingLimits
    offerings: dict[Pair, MirrorOfferingRow] = field(default_factory=dict)
    weekly: dict[str, dict[int, list[WorkingPeriod]]] = field(default_factory=dict)
    openings: dict[str, list[Interval]] = field(default_factory=dict)
    busy: dict[str, list[Interval]] = field(default_factory=dict)


async def load_inputs(
    session: AsyncSession,
    connection_id: str,
    care_unit_id: str,
    resource_ids: Sequence[str],
    span: Interval,
    limits: BookingLimits,
) -> SlotInputs:
    """Four indexed queries, whatever the number of resources, services or days."""
    inputs = SlotInputs(limits=limits)
    offerings = await session.scalars(
        select(MirrorOfferingRow).where(
            MirrorOfferingRow.connection_id == connection_id,
            MirrorOfferingRow.care_unit_id == care_unit_id,
            MirrorOfferingRow.resource_id.in_(resource_ids),
        )
    )
    inputs.offerings = {(o.resource_id, o.service_id): o for o in offerings}
    hours = await session.execute(
        select(
            MirrorWorkingHoursRow.resource_id,
            MirrorWorkingHoursRow.weekday,
            MirrorWorkingHoursRow.starts,
            MirrorWorkingHoursRow.ends,
        ).where(
            MirrorWorkingHoursRow.connection_id == connection_id,
            MirrorWorkingHoursRow.care_unit_id == care_unit_id,
            MirrorWorkingHoursRow.resource_id.in_(resource_ids),
        )
    )
    weekly: dict[str, dict[int, list[WorkingPeriod]]] = defaultdict(lambda: defaultdict(list))
    for resource_id, weekday, starts, ends in hours:
        weekly[resource_id][weekday].append(WorkingPeriod(time.fromisoformat(starts), time.fromisoformat(ends)))
    inputs.weekly = weekly
    openings = await session.execute(
        select(MirrorOpeningRow.resource_id, MirrorOpeningRow.starts_at, MirrorOpeningRow.ends_at).where(
            MirrorOpeningRow.connection_id == connection_id,
            MirrorOpeningRow.resource_id.in_(resource_ids),
            MirrorOpeningRow.active.is_(True),
            (MirrorOpeningRow.care_unit_id == care_unit_id) | MirrorOpeningRow.care_unit_id.is_(None),
            MirrorOpeningRow.starts_at < span.end,
            MirrorOpeningRow.ends_at > span.start,
        )
    )
    inputs.openings = _grouped(openings)
    busy = await session.execute(
        select(MirrorBookingRow.resource_id, MirrorBookingRow.starts_at, MirrorBookingRow.ends_at).where(
            MirrorBookingRow.connection_id == connection_id,
            MirrorBookingRow.resource_id.in_(resource_ids),
            MirrorBookingRow.busy.is_(True),
            MirrorBookingRow.starts_at < span.end,
            MirrorBookingRow.ends_at > span.start,
        )
    )
    inputs.busy = _grouped(busy)
    return inputs


def _grouped(rows: Iterable[tuple[str, datetime, datetime]]) -> dict[str, list[Interval]]:
    grouped: dict[str, list[Interval]] = defaultdict(list)
    for resource_id, starts_at, ends_at in rows:
        if ends_at > starts_at:
            grouped[resource_id].append(Interval(starts_at, ends_at))
    return grouped


def local_span(start: datetime, end: datetime, now: datetime, zone: ZoneInfo) -> Interval:
    """The instants the EHR's windows cover for a request of [start, end): whole local days."""
    first, last = _days(start, end, now, zone)
    return Interval(to_instant(first, time(0), zone), to_instant(last + _ONE_DAY, time(0), zone))


def _days(start: datetime, end: datetime, now: datetime, zone: ZoneInfo) -> tuple[date, date]:
    begin = max(start, now)
    return begin.astimezone(zone).date(), (end - timedelta(microseconds=1)).astimezone(zone).date()


def compute_timeslots(
    inputs: SlotInputs,
    pairs: Sequence[Pair],
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    zone: ZoneInfo,
    ends_by_end: bool = True,
) -> list[Timeslot]:
    """Slots starting in [start, end) (and, with ``ends_by_end``, ending by ``end``), sorted by start,
    resource and service, in the care unit's zone."""
    # The EHR's clock has whole seconds.
    now = now.replace(microsecond=0)
    begin = max(start, now)
    if end <= begin or not inputs.limits.enabled:
        return []
    first, last = _days(start, end, now, zone)
    windows = [
        Interval(to_instant(a, time(0), zone), to_instant(b + _ONE_DAY, time(0), zone))
        for a, b in date_windows(first, last)
    ]
    found: dict[tuple[datetime, str, str], Timeslot] = {}
    for resource_id, service_id in pairs:
        offering = inputs.offerings.get((resource_id, service_id))
        if offering is None:
            continue  # not served by online booking: the EHR answers 404 for it
        duration = timedelta(minutes=offering.duration_minutes)
        notice = max(inputs.limits.min_notice, timedelta(minutes=offering.lead_minutes))
        weekly = inputs.weekly.get(resource_id, {})
        for window in windows:
            extra = [i for i in inputs.openings.get(resource_id, ()) if i.overlaps(window)]
            busy = [i for i in inputs.busy.get(resource_id, ()) if i.overlaps(window)]
            working = working_intervals(weekly, zone, window, extra=extra)
            for slot_start in iter_bookable_starts(
                working=working,
                busy=busy,
                duration=duration,
                now=now,
                min_notice=notice,
                horizon=inputs.limits.horizon,
                window=window,
            ):
                slot_end = slot_start + duration
                if slot_start < start or slot_start >= end or (ends_by_end and slot_end > end):
                    continue
                found[(slot_start, resource_id, service_id)] = Timeslot(
                    start=slot_start.astimezone(zone),
                    end=slot_end.astimezone(zone),
                    resource_id=resource_id,
                    healthcare_service_id=service_id,
                )
    return [found[key] for key in sorted(found)]
