"""The mirror of EHRs that compute availability themselves (Acuity): their free starts per resource, service
and local day, as the EHR last offered them (``MirrorFreeDayRow``).

Such an EHR exposes its answers but not its rules, so nothing here computes free time: the sync stores what
the EHR said (``free_sync.py``) and reads select from it (``reader.py``). A booking that changes (seen by the
sync, pushed by the EHR, or written by us) marks the days it touches dirty, so the next sync cycle reads them
first; a booking that takes time also takes its seat out of the stored starts at once (a conservative
reckoning of what the EHR will say: a neighbouring start whose padded time overlaps is taken out too), so the
next read of any replica no longer offers it. Time freed by our own write (a cancel, a move away) drops the
days it touches: what the EHR will offer there is unknown until read again, so reads that need those days go
live (and store what they read), and the next read of any replica shows the freed time. Time freed in the
EHR directly shows once the sync has read the day again, within one interval.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from medley.connectors.sync_source import FreeDay
from medley.events.transactions import locked, read_then_write
from medley.store.database import Store
from medley.store.tables import MirrorConnectionRow, MirrorFreeDayRow

# A booking touches the local days of its time widened by this much: a neighbouring start (its duration and
# padding) that overlaps it may begin on the day before or end on the day after.
TOUCH_MARGIN = timedelta(hours=4)


@dataclass(frozen=True, slots=True)
class Touch:
    """A busy interval that appeared (``taking``) or went away on a resource."""

    resource_id: str
    service_id: str | None
    start: datetime
    end: datetime
    taking: bool


async def _bump(session: AsyncSession, connection_id: str) -> None:
    await session.execute(
        update(MirrorConnectionRow)
        .where(MirrorConnectionRow.connection_id == connection_id)
        .values(version=MirrorConnectionRow.version + 1)
    )


def _key(row: MirrorFreeDayRow) -> tuple[str, str, str, date]:
    return (row.care_unit_id, row.resource_id, row.service_id, row.day)


async def touch(
    session: AsyncSession, connection_id: str, touches: Sequence[Touch], *, drop_freed: bool = False
) -> None:
    """Mark the stored days these changes touch dirty; take the seats of new busy time out at once; with
    ``drop_freed`` (our own writes), drop the days where time was freed. Nothing happens for a mirror without
    free days (one indexed query)."""
    resources = sorted({t.resource_id for t in touches})
    low = min(t.start for t in touches) - TOUCH_MARGIN - timedelta(days=1)
    high = max(t.end for t in touches) + TOUCH_MARGIN + timedelta(days=1)
    statement = select(MirrorFreeDayRow).where(
        MirrorFreeDayRow.connection_id == connection_id,
        MirrorFreeDayRow.resource_id.in_(resources),
        MirrorFreeDayRow.day >= low.date(),
        MirrorFreeDayRow.day <= high.date(),
    )
    rows = (await session.scalars(locked(session, statement))).all()
    if not rows:
        return
    now = datetime.now(UTC)
    paddings = {(r.resource_id, r.service_id): (r.padding_before, r.padding_after) for r in rows}
    changed = False
    for row in rows:
        zone = ZoneInfo(row.time_zone)
        for change in touches:
            if change.resource_id != row.resource_id or not _on_day(change, row.day, zone):
                continue
            changed = True
            if not change.taking and drop_freed:
                await session.delete(row)
                break
            row.dirty_since = row.dirty_since or now
            if change.taking:
                row.starts = _take(row, change, paddings.get((change.resource_id, change.service_id or ""), (0, 0)))
    if changed:
        await _bump(session, connection_id)


def _on_day(change: Touch, day: date, zone: ZoneInfo) -> bool:
    first = (change.start - TOUCH_MARGIN).astimezone(zone).date()
    last = (change.end + TOUCH_MARGIN).astimezone(zone).date()
    return first <= day <= last


def _take(row: MirrorFreeDayRow, change: Touch, padding: tuple[int, int]) -> list[list[int]]:
    """The row's starts less one seat at each start the new busy time takes (classes: only its own start)."""
    if row.is_class:
        if change.service_id != row.service_id:
            return list(row.starts)  # an appointment takes a class's seats only when it is that class
        taken = int(change.start.timestamp())
        return [[at, seats - (at == taken)] for at, seats in row.starts if seats - (at == taken) > 0]
    busy_from = change.start - timedelta(minutes=padding[0])
    busy_to = change.end + timedelta(minutes=padding[1])
    kept: list[list[int]] = []
    for at, seats in row.starts:
        start = datetime.fromtimestamp(at, UTC)
        occupied_from = start - timedelta(minutes=row.padding_before)
        occupied_to = start + timedelta(minutes=row.duration_minutes + row.padding_after)
        left = seats - 1 if occupied_from < busy_to and busy_from < occupied_to else seats
        if left > 0:
            kept.append([at, left])
    return kept


@dataclass(frozen=True, slots=True)
class StoredDay:
    read_at: datetime
    dirty_since: datetime | None


async def stored_days(store: Store, connection_id: str) -> dict[tuple[str, str, str, date], StoredDay]:
    async with store.sessions() as session:
        rows = await session.execute(
            select(
                MirrorFreeDayRow.care_unit_id,
                MirrorFreeDayRow.resource_id,
                MirrorFreeDayRow.service_id,
                MirrorFreeDayRow.day,
                MirrorFreeDayRow.read_at,
                MirrorFreeDayRow.dirty_since,
            ).where(MirrorFreeDayRow.connection_id == connection_id)
        )
        return {(c, r, s, d): StoredDay(read_at, dirty) for c, r, s, d, read_at, dirty in rows}


async def store_days(store: Store, connection_id: str, days: Iterable[FreeDay], read_started: datetime) -> None:
    """Keep what the EHR said in a read that began at ``read_started``. A day read later is kept as it is; a day
    touched by a change since that read began keeps its stored starts (our own write may have taken a seat the
    read still showed) and stays dirty: the next cycle reads it again."""
    fresh = list(days)
    if not fresh:
        return
    async with read_then_write(store) as session:
        statement = select(MirrorFreeDayRow).where(
            MirrorFreeDayRow.connection_id == connection_id,
            MirrorFreeDayRow.day >= min(d.day for d in fresh),
            MirrorFreeDayRow.day <= max(d.day for d in fresh),
        )
        existing = {_key(row): row for row in await session.scalars(locked(session, statement))}
        for free in fresh:
            offering = free.offering
            starts = [[int(moment.timestamp()), seats] for moment, seats in free.starts if seats > 0]
            row = existing.get((*offering.key, free.day))
            if row is None:
                row = MirrorFreeDayRow(
                    connection_id=connection_id,
                    care_unit_id=offering.care_unit_id,
                    resource_id=offering.resource_id,
                    service_id=offering.service_id,
                    day=free.day,
                )
                session.add(row)
            elif row.read_at > read_started or (row.dirty_since is not None and row.dirty_since >= read_started):
                continue  # what is stored is newer than this read, or changed since it began
            row.time_zone = offering.time_zone
            row.duration_minutes = offering.duration_minutes
            row.padding_before = offering.padding_before
            row.padding_after = offering.padding_after
            row.is_class = offering.is_class
            row.starts = starts
            row.read_at = read_started
            row.dirty_since = None
        await _bump(session, connection_id)


async def drop_days(store: Store, connection_id: str, *, before: date, offered: set[tuple[str, str, str]]) -> None:
    """Forget days before ``before`` and offerings the EHR no longer has."""
    async with read_then_write(store) as session:
        held = await session.execute(
            select(MirrorFreeDayRow.care_unit_id, MirrorFreeDayRow.resource_id, MirrorFreeDayRow.service_id)
            .where(MirrorFreeDayRow.connection_id == connection_id)
            .distinct()
        )
        gone = [key for key in map(tuple, held.tuples()) if key not in offered]
        dropped = await session.execute(
            delete(MirrorFreeDayRow).where(
                MirrorFreeDayRow.connection_id == connection_id, MirrorFreeDayRow.day < before
            )
        )
        for care_unit_id, resource_id, service_id in gone:
            await session.execute(
                delete(MirrorFreeDayRow).where(
                    MirrorFreeDayRow.connection_id == connection_id,
                    MirrorFreeDayRow.care_unit_id == care_unit_id,
                    MirrorFreeDayRow.resource_id == resource_id,
                    MirrorFreeDayRow.service_id == service_id,
                )
            )
        if gone or int(getattr(dropped, "rowcount", 0) or 0):
            await _bump(session, connection_id)



async def load_days(
    session: AsyncSession, connection_id: str, care_unit_id: str, first_day: date
) -> list[MirrorFreeDayRow]:
    return list(
        (
            await session.scalars(
                select(MirrorFreeDayRow).where(
                    MirrorFreeDayRow.connection_id == connection_id,
                    MirrorFreeDayRow.care_unit_id == care_unit_id,
                    MirrorFreeDayRow.day >= first_day,
                )
            )
        ).all()
    )


