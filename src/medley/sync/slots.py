"""What free time is computed from, loaded from the mirror (``reader.py`` does the arithmetic).

For Cliniko the rules are those of ``available_times``: working time (weekly hours at that business plus
its extra availability) minus busy time (the practitioner's appointments and time off at any business),
cut into back-to-back slots of the type's duration from the start of each free interval, after the
minimum notice and within the booking horizon.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.connectors.sync_source import BookingLimits
from medley.scheduling import Interval, WorkingPeriod
from medley.store.tables import MirrorBookingRow, MirrorOfferingRow, MirrorOpeningRow, MirrorWorkingHoursRow

Pair = tuple[str, str]  # (resource id, service id)
TIME_OFF = "time_off"
"""The mirror's kind for time off; every other busy kind is an appointment (individual or a class)."""


@dataclass(slots=True)
class SlotInputs:
    """Everything the arithmetic needs for some resources of one care unit over one span."""

    limits: BookingLimits
    offerings: dict[Pair, MirrorOfferingRow] = field(default_factory=dict)
    weekly: dict[str, dict[int, list[WorkingPeriod]]] = field(default_factory=dict)
    openings: dict[str, list[Interval]] = field(default_factory=dict)
    busy: dict[str, list[Interval]] = field(default_factory=dict)
    appointment_starts: dict[str, list[datetime]] = field(default_factory=dict)
    """Per resource, when its appointments (not its time off) start: what a daily bookings limit counts."""


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
        select(
            MirrorBookingRow.resource_id, MirrorBookingRow.starts_at, MirrorBookingRow.ends_at, MirrorBookingRow.kind
        ).where(
            MirrorBookingRow.connection_id == connection_id,
            MirrorBookingRow.resource_id.in_(resource_ids),
            MirrorBookingRow.busy.is_(True),
            MirrorBookingRow.starts_at < span.end,
            MirrorBookingRow.ends_at > span.start,
        )
    )
    rows = busy.all()
    inputs.busy = _grouped((resource_id, starts_at, ends_at) for resource_id, starts_at, ends_at, _ in rows)
    for resource_id, starts_at, _, kind in rows:
        if kind != TIME_OFF:
            inputs.appointment_starts.setdefault(resource_id, []).append(starts_at)
    return inputs


def _grouped(rows: Iterable[tuple[str, datetime, datetime]]) -> dict[str, list[Interval]]:
    grouped: dict[str, list[Interval]] = defaultdict(list)
    for resource_id, starts_at, ends_at in rows:
        if ends_at > starts_at:
            grouped[resource_id].append(Interval(starts_at, ends_at))
    return grouped


async def load_time_off(session: AsyncSession, connection_id: str, resource_id: str, span: Interval) -> list[Interval]:
    """The resource's time off (at any care unit) overlapping ``span``."""
    rows = await session.execute(
        select(MirrorBookingRow.resource_id, MirrorBookingRow.starts_at, MirrorBookingRow.ends_at).where(
            MirrorBookingRow.connection_id == connection_id,
            MirrorBookingRow.resource_id == resource_id,
            MirrorBookingRow.kind == "time_off",
            MirrorBookingRow.busy.is_(True),
            MirrorBookingRow.starts_at < span.end,
            MirrorBookingRow.ends_at > span.start,
        )
    )
    return _grouped(rows).get(resource_id, [])
