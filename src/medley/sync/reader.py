"""Reads answered from the mirror: timeslots and the next free slot, at zero upstream cost.

A connection's mirror answers only while it is live and fresh (its last successful sync at most
``Settings.mirror_max_staleness_seconds`` ago); otherwise the caller goes to the EHR live. Every answer
carries the age of the data it was computed from, which the API shows as ``Medley-Data-Age``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from medley.config import Settings
from medley.connectors.sync_source import BookingLimits
from medley.domain.models import Timeslot
from medley.store.database import Store
from medley.store.tables import MirrorConnectionRow, MirrorOfferingRow
from medley.sync.mirror import LIVE
from medley.sync.slots import Pair, compute_timeslots, load_inputs, local_span

NEXT_AVAILABLE_WEEKS = 13


@dataclass(frozen=True, slots=True)
class MirrorAnswer:
    slots: list[Timeslot]
    age_seconds: float


@dataclass(frozen=True, slots=True)
class _Fresh:
    limits: BookingLimits
    age_seconds: float


class MirrorReader:
    """The read side of every connection's mirror, for one process."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._max_age = settings.mirror_max_staleness_seconds

    async def _fresh(self, connection_id: str, now: datetime) -> _Fresh | None:
        async with self._store.sessions() as session:
            row = (
                await session.execute(
                    select(MirrorConnectionRow.state, MirrorConnectionRow.synced_at, MirrorConnectionRow.limits).where(
                        MirrorConnectionRow.connection_id == connection_id
                    )
                )
            ).first()
        if row is None:
            return None
        state, synced_at, limits = row
        if state != LIVE or synced_at is None:
            return None
        age = max(0.0, (now - synced_at).total_seconds())
        if age > self._max_age:
            return None
        return _Fresh(BookingLimits.from_json(limits or {}), age)

    async def reference_document(self, connection_id: str) -> dict[str, object] | None:
        """The connector's reference snapshot, while the mirror is fresh."""
        now = datetime.now(UTC)
        if await self._fresh(connection_id, now) is None:
            return None
        async with self._store.sessions() as session:
            document = await session.scalar(
                select(MirrorConnectionRow.reference).where(MirrorConnectionRow.connection_id == connection_id)
            )
        return dict(document) if isinstance(document, dict) else None

    async def timeslots(
        self,
        connection_id: str,
        care_unit_id: str,
        pairs: Sequence[Pair],
        start: datetime,
        end: datetime,
        *,
        now: datetime | None = None,
        ends_by_end: bool = True,
    ) -> MirrorAnswer | None:
        now = now or datetime.now(UTC)
        fresh = await self._fresh(connection_id, now)
        if fresh is None:
            return None
        resource_ids = sorted({resource_id for resource_id, _ in pairs})
        if not resource_ids:
            return MirrorAnswer([], fresh.age_seconds)
        async with self._store.sessions() as session:
            zone_name = await session.scalar(
                select(MirrorOfferingRow.time_zone)
                .where(MirrorOfferingRow.connection_id == connection_id, MirrorOfferingRow.care_unit_id == care_unit_id)
                .limit(1)
            )
            if zone_name is None:
                return MirrorAnswer([], fresh.age_seconds)  # nothing at this care unit is bookable online
            zone = ZoneInfo(zone_name)
            span = local_span(start, end, now, zone)
            inputs = await load_inputs(session, connection_id, care_unit_id, resource_ids, span, fresh.limits)
        slots = compute_timeslots(inputs, pairs, start, end, now=now, zone=zone, ends_by_end=ends_by_end)
        return MirrorAnswer(slots, fresh.age_seconds)

    async def next_available(
        self, connection_id: str, care_unit_id: str, pairs: Sequence[Pair], after: datetime
    ) -> tuple[Timeslot | None, float] | None:
        """The earliest slot starting at or after ``after``, week by week up to 13 weeks ahead."""
        now = datetime.now(UTC)
        begin = max(after, now)
        age = 0.0
        for week in range(NEXT_AVAILABLE_WEEKS):
            window_start = begin + timedelta(weeks=week)
            answer = await self.timeslots(
                connection_id,
                care_unit_id,
                pairs,
                window_start,
                window_start + timedelta(weeks=1),
                now=now,
                ends_by_end=False,
            )
            if answer is None:
                return None
            age = answer.age_seconds
            if answer.slots:
                return answer.slots[0], age
        return None, age
