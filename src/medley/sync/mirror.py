"""The scheduling mirror's tables: what the sync writes and what reads load (ids, times, statuses only).

A booking row only ever moves forward: a version (the EHR's ``updated_at``) older than the stored one is
ignored, so a slow sync read can never undo what our own write applied a moment before. Every change of
an appointment that the mirror takes in is also recorded as an event in the same transaction (the
outbox pattern, ``medley.events.recorder``): one change, one event, however it was seen.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from medley.connectors.sync_source import Booking, BookingLimits, Offering, Opening, Reference, WeeklyPeriod
from medley.events.changes import AppointmentState, appointment_change
from medley.events.recorder import record_event
from medley.events.transactions import locked, read_then_write
from medley.store.database import Store
from medley.store.tables import (
    MirrorBookingRow,
    MirrorConnectionRow,
    MirrorOfferingRow,
    MirrorOpeningRow,
    MirrorWorkingHoursRow,
)
from medley.sync import free_days

logger = logging.getLogger("medley.sync")

COLD = "cold"
WARMING = "warming"
LIVE = "live"


@dataclass(frozen=True, slots=True)
class MirrorIdentity:
    """Whose mirror: the connection, and the application and EHR its events belong to."""

    connection_id: str
    application_id: str
    emr: str


async def ensure_mirror(store: Store, identity: MirrorIdentity) -> None:
    """Create the connection's mirror row (cold) unless it exists."""
    async with store.sessions() as session:
        if await session.get(MirrorConnectionRow, identity.connection_id) is not None:
            return
    try:
        async with store.sessions() as session, session.begin():
            session.add(
                MirrorConnectionRow(
                    connection_id=identity.connection_id,
                    application_id=identity.application_id,
                    emr=identity.emr,
                    state=COLD,
                )
            )
    except IntegrityError:
        return  # another process created it at the same moment (or the connection is gone)


async def _bump(session: AsyncSession, connection_id: str) -> None:
    """The mirror's content changed: readers recompute what they derived from it."""
    await session.execute(
        update(MirrorConnectionRow)
        .where(MirrorConnectionRow.connection_id == connection_id)
        .values(version=MirrorConnectionRow.version + 1)
    )


async def set_state(store: Store, connection_id: str, **values: Any) -> None:
    async with store.sessions() as session, session.begin():
        await session.execute(
            update(MirrorConnectionRow).where(MirrorConnectionRow.connection_id == connection_id).values(**values)
        )


async def replace_reference(store: Store, connection_id: str, reference: Reference, at: datetime) -> None:
    async with store.sessions() as session, session.begin():
        await session.execute(delete(MirrorOfferingRow).where(MirrorOfferingRow.connection_id == connection_id))
        session.add_all(_offering_row(connection_id, offering) for offering in reference.offerings)
        await _bump(session, connection_id)
        await session.execute(
            update(MirrorConnectionRow)
            .where(MirrorConnectionRow.connection_id == connection_id)
            .values(
                reference=reference.document,
                limits=reference.limits.to_json(),
                reference_synced_at=at,
                synced_at=at,
            )
        )


def _offering_row(connection_id: str, offering: Offering) -> MirrorOfferingRow:
    return MirrorOfferingRow(
        connection_id=connection_id,
        care_unit_id=offering.care_unit_id,
        resource_id=offering.resource_id,
        service_id=offering.service_id,
        time_zone=offering.time_zone,
        duration_minutes=offering.duration_minutes,
        lead_minutes=offering.lead_minutes,
    )


async def replace_working_hours(
    store: Store, connection_id: str, periods: Sequence[WeeklyPeriod], at: datetime
) -> None:
    async with store.sessions() as session, session.begin():
        await session.execute(delete(MirrorWorkingHoursRow).where(MirrorWorkingHoursRow.connection_id == connection_id))
        session.add_all(
            MirrorWorkingHoursRow(
                connection_id=connection_id,
                source_id=period.source_id,
                care_unit_id=period.care_unit_id,
                resource_id=period.resource_id,
                weekday=period.weekday,
                starts=period.starts,
                ends=period.ends,
            )
            for period in periods
        )
        await _bump(session, connection_id)
        await session.execute(
            update(MirrorConnectionRow)
            .where(MirrorConnectionRow.connection_id == connection_id)
            .values(hours_watermark=at)
        )


async def apply_openings(
    store: Store, connection_id: str, openings: Sequence[Opening], *, replace_from: datetime | None = None
) -> None:
    """Upsert extra working time; with ``replace_from`` (a full read) drop the rows ending after it that
    the read did not return."""
    async with read_then_write(store) as session:
        if replace_from is not None:
            await session.execute(
                delete(MirrorOpeningRow).where(
                    MirrorOpeningRow.connection_id == connection_id,
                    MirrorOpeningRow.ends_at > replace_from,
                    MirrorOpeningRow.opening_id.not_in([o.opening_id for o in openings]),
                )
            )
        if openings or replace_from is not None:
            await _bump(session, connection_id)
        for opening in openings:
            await session.merge(
                MirrorOpeningRow(
                    connection_id=connection_id,
                    opening_id=opening.opening_id,
                    care_unit_id=opening.care_unit_id,
                    resource_id=opening.resource_id,
                    starts_at=opening.starts_at,
                    ends_at=opening.ends_at,
                    active=opening.active,
                    updated_at=opening.updated_at,
                )
            )


async def apply_bookings(
    store: Store,
    identity: MirrorIdentity,
    bookings: Sequence[Booking],
    *,
    announce: bool,
    read_at: datetime | None = None,
    own: bool = False,
) -> int:
    """Take in bookings read from the EHR at ``read_at`` (default now), each only if it is not older than
    the stored version; with ``announce``, record an event for each appointment change; ``own``: our own
    confirmed writes (time they free is shown at once, ``free_days.touch``). Returns how many rows changed."""
    read_at = read_at or datetime.now(UTC)
    for attempt in range(3):
        try:
            async with read_then_write(store) as session:
                changed = await _apply(session, identity, bookings, announce, read_at, own)
                if changed:
                    await _bump(session, identity.connection_id)
                return changed
        except IntegrityError:
            # Two writers inserted the same new booking at once: the second pass sees the first's row.
            if attempt == 2:
                raise
    return 0


async def _apply(
    session: AsyncSession,
    identity: MirrorIdentity,
    bookings: Sequence[Booking],
    announce: bool,
    read_at: datetime,
    own: bool = False,
) -> int:
    changed = 0
    touches: list[free_days.Touch] = []
    existing = await _existing(session, identity.connection_id, bookings)
    for booking in bookings:
        row = existing.get((booking.kind, booking.booking_id))
        if row is not None and _stale(booking, read_at, row):
            continue
        before = _state(row) if row is not None else None
        held = (row.busy, row.resource_id, row.starts_at, row.ends_at) if row is not None else None
        if row is None:
            row = MirrorBookingRow(
                connection_id=identity.connection_id, kind=booking.kind, booking_id=booking.booking_id
            )
            session.add(row)
            existing[(booking.kind, booking.booking_id)] = row
        elif _same(row, booking):
            continue
        row.care_unit_id = booking.care_unit_id
        row.resource_id = booking.resource_id
        row.service_id = booking.service_id
        row.patient_id = booking.patient_id
        row.starts_at = booking.starts_at
        row.ends_at = booking.ends_at
        row.status = booking.status
        row.busy = booking.busy
        row.updated_at = booking.updated_at
        row.read_at = read_at
        changed += 1
        if held != (row.busy, row.resource_id, row.starts_at, row.ends_at):
            touches += _touches(held, row)
        if announce and booking.kind == "appointment":
            await _announce(session, identity, before, _state(row))
    if touches:
        await free_days.touch(session, identity.connection_id, touches, drop_freed=own)
    return changed


def _touches(held: tuple[bool, str, datetime, datetime] | None, row: MirrorBookingRow) -> list[free_days.Touch]:
    """The busy time a changed booking freed and took (for a mirror of the EHR's own free days)."""
    found: list[free_days.Touch] = []
    if held is not None and held[0]:
        found.append(free_days.Touch(held[1], row.service_id, held[2], held[3], taking=False))
    if row.busy:
        found.append(free_days.Touch(row.resource_id, row.service_id, row.starts_at, row.ends_at, taking=True))
    return found


_BATCH = 500


async def _existing(
    session: AsyncSession, connection_id: str, bookings: Sequence[Booking]
) -> dict[tuple[str, str], MirrorBookingRow]:
    """The stored rows of these bookings, a few queries for any number (locked on PostgreSQL, so a concurrent
    writer of the same booking waits and then sees this transaction's version)."""
    found: dict[tuple[str, str], MirrorBookingRow] = {}
    ids = sorted({b.booking_id for b in bookings})
    for offset in range(0, len(ids), _BATCH):
        statement = select(MirrorBookingRow).where(
            MirrorBookingRow.connection_id == connection_id,
            MirrorBookingRow.booking_id.in_(ids[offset : offset + _BATCH]),
        )
        for row in await session.scalars(locked(session, statement)):
            found[(row.kind, row.booking_id)] = row
    return found


def _stale(booking: Booking, read_at: datetime, row: MirrorBookingRow) -> bool:
    """Whether the stored row is newer than ``booking``: a later version, or the same version (whole seconds:
    a write and a cancel within one second share it) read later than this read."""
    if booking.updated_at is None and row.updated_at is None:
        # An EHR that versions nothing (Acuity): the read that began later wins, so a slow sync read can never
        # undo what a webhook's read (or our own write) applied a moment before.
        return row.read_at is not None and read_at < row.read_at
    if booking.updated_at is None or row.updated_at is None:
        return False
    if booking.updated_at != row.updated_at:
        return booking.updated_at < row.updated_at
    return row.read_at is not None and read_at < row.read_at


def _same(row: MirrorBookingRow, booking: Booking) -> bool:
    return (
        row.updated_at == booking.updated_at
        and row.status == booking.status
        and row.starts_at == booking.starts_at
        and row.ends_at == booking.ends_at
        and row.resource_id == booking.resource_id
    )


def _state(row: MirrorBookingRow) -> AppointmentState:
    # Archived (deleted) appointments free their time like cancelled ones: to a client they are cancelled.
    status = "cancelled" if row.status in ("archived", "removed") else row.status
    return AppointmentState(
        appointment_id=row.booking_id,
        care_unit_id=row.care_unit_id or "",
        resource_id=row.resource_id,
        healthcare_service_id=row.service_id,
        patient_id=row.patient_id,
        start=row.starts_at,
        end=row.ends_at,
        status=status,
        updated_at=row.updated_at or datetime.now(UTC),
    )


async def _announce(
    session: AsyncSession, identity: MirrorIdentity, before: AppointmentState | None, after: AppointmentState
) -> None:
    kind = appointment_change(before, after)
    if kind is None:
        return
    await record_event(
        session,
        application_id=identity.application_id,
        connection_id=identity.connection_id,
        emr=identity.emr,
        care_unit_id=after.care_unit_id or None,
        type=kind,
        record_type="appointment",
        record_id=after.appointment_id,
        version=after.version,
        occurred_at=after.updated_at,
        data=after.data(),
    )


async def remove_missing_bookings(
    store: Store,
    identity: MirrorIdentity,
    seen: Sequence[Booking],
    *,
    start: datetime,
    end: datetime,
    read_started: datetime,
    announce: bool,
) -> int:
    """After a full read of [start, end): busy rows in that window that the read did not return are gone
    (cancelled, deleted) and free their time. Rows changed since the read began are kept: they may be our
    own write, made while the read was under way."""
    present = {(b.kind, b.booking_id) for b in seen}
    async with read_then_write(store) as session:
        rows = (
            await session.scalars(
                select(MirrorBookingRow).where(
                    MirrorBookingRow.connection_id == identity.connection_id,
                    MirrorBookingRow.busy.is_(True),
                    MirrorBookingRow.starts_at < end,
                    MirrorBookingRow.ends_at > start,
                )
            )
        ).all()
        removed = 0
        touches: list[free_days.Touch] = []
        for row in rows:
            if (row.kind, row.booking_id) in present:
                continue
            if row.read_at is not None and row.read_at >= read_started:
                continue
            before = _state(row)
            touches.append(free_days.Touch(row.resource_id, row.service_id, row.starts_at, row.ends_at, False))
            row.status = "removed"
            row.busy = False
            row.updated_at = read_started
            row.read_at = read_started
            removed += 1
            if announce and row.kind == "appointment":
                await _announce(session, identity, before, _state(row))
        if removed:
            await _bump(session, identity.connection_id)
            await free_days.touch(session, identity.connection_id, touches)
        return removed


async def load_mirror(store: Store, connection_id: str) -> MirrorConnectionRow | None:
    async with store.sessions() as session:
        return await session.get(MirrorConnectionRow, connection_id)


def limits_of(row: MirrorConnectionRow) -> BookingLimits:
    return BookingLimits.from_json(row.limits or {})
