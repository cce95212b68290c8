"""The event log an application pages through: oldest first after a cursor, never skipping or repeating.

Insert order is not commit order on PostgreSQL: event 11 can commit while event 10's transaction still
runs, and a reader that served 11 and moved its cursor past it would never see 10. So an event gets its
place in the log (``position``) only once it is committed, from a publisher: one at a time (a
transaction-scoped advisory lock on PostgreSQL, the write lock on SQLite), each numbering the committed,
unplaced events after the highest position already given. A reader sees a publisher's numbers only when
they are all committed, and no later publisher can number anything below them, so a cursor never passes
an event that will appear later. Publishing runs in every delivery worker's loop and before every read
of the log, so an event is readable as soon as its transaction commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update

from medley.events.transactions import read_then_write
from medley.store.database import Store
from medley.store.tables import EventRow

MAX_PAGE = 1000
PUBLISH_BATCH = 1000
_PUBLISH_LOCK_ID = 0x6D65646C6576  # "medlev"


class UnknownCursor(Exception):
    """``after`` names no event of this application (never one, or one past the retention)."""


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    type: str
    occurred_at: datetime
    emr: str
    care_unit_id: str | None
    data: dict[str, Any]


def _to_event(row: EventRow) -> Event:
    return Event(
        id=row.id, type=row.type, occurred_at=row.occurred_at, emr=row.emr, care_unit_id=row.care_unit_id,
        data=dict(row.data),
    )


async def publish(store: Store) -> int:
    """Give committed events their place in the log, in insert order; returns how many were placed."""
    placed = 0
    while True:
        async with store.sessions() as session:
            # A plain read first: nothing to place costs no lock and no write.
            if await session.scalar(select(EventRow.seq).where(EventRow.position.is_(None)).limit(1)) is None:
                return placed
        async with read_then_write(store) as session:
            if store.dialect == "postgresql":
                await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PUBLISH_LOCK_ID})
            # Read after taking the lock: the previous publisher's numbers are committed and visible.
            waiting = (
                await session.scalars(
                    select(EventRow.seq).where(EventRow.position.is_(None)).order_by(EventRow.seq)
                    .limit(PUBLISH_BATCH)
                )
            ).all()
            if not waiting:
                return placed
            highest = await session.scalar(select(func.max(EventRow.position))) or 0
            await session.execute(
                update(EventRow),
                [{"seq": seq, "position": highest + n} for n, seq in enumerate(waiting, start=1)],
            )
        placed += len(waiting)
        if len(waiting) < PUBLISH_BATCH:
            return placed


async def read_events(
    store: Store, application_id: str, *, after: str | None, types: Sequence[str] | None, limit: int
) -> list[Event]:
    """Up to ``limit`` events of the application after the event ``after`` (from the start without it),
    filtered to ``types`` when given; raises ``UnknownCursor``."""
    await publish(store)
    limit = max(1, min(limit, MAX_PAGE))
    async with store.sessions() as session:
        query = select(EventRow).where(EventRow.application_id == application_id, EventRow.position.is_not(None))
        if after is not None:
            position = await session.scalar(
                select(EventRow.position).where(
                    EventRow.application_id == application_id, EventRow.id == after,
                    EventRow.position.is_not(None),
                )
            )
            if position is None:
                raise UnknownCursor(after)
            query = query.where(EventRow.position > position)
        if types:
            query = query.where(EventRow.type.in_(list(types)))
        rows = await session.scalars(query.order_by(EventRow.position).limit(limit))
        return [_to_event(row) for row in rows]
