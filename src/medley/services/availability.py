"""Free time for reads: from the connection's scheduling mirror when it is live and fresh (no upstream
call at all), else from the EHR live. Bookings never come here: they re-check live (``booking.py``)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeGuard, runtime_checkable
from zoneinfo import ZoneInfo

from medley.connectors.base import Connector
from medley.domain.models import ScheduleBlock, Timeslot
from medley.scheduling import Interval
from medley.services.connector_pool import ConnectorPool
from medley.sync.reader import MirrorAnswer, MirrorReader


@runtime_checkable
class _PairsSource(Protocol):
    async def bookable_pairs(
        self, care_unit_id: str, resource_ids: Sequence[str] | None, service_ids: Sequence[str] | None
    ) -> list[tuple[str, str]]: ...


@functools.cache
def _pairs_source_class(kind: type) -> bool:
    # A runtime Protocol check inspects the class's attributes every time: once per connector class instead.
    return issubclass(kind, _PairsSource)


def _has_pairs(connector: Connector) -> TypeGuard[_PairsSource]:
    return _pairs_source_class(type(connector))


@dataclass(frozen=True, slots=True)
class Freshness:
    """Where an answer came from: the mirror (with the age of its data) or the EHR live."""

    source: str  # "mirror" or "live"
    age_seconds: float = 0.0


LIVE = Freshness("live")


@dataclass(frozen=True, slots=True)
class Slots:
    """A timeslot answer: selected from the mirror (with its JSON already rendered) or read live."""

    freshness: Freshness
    live: list[Timeslot] | None = None
    mirrored: MirrorAnswer | None = None

    @property
    def empty(self) -> bool:
        return not (self.mirrored.found if self.mirrored is not None else self.live)

    def items(self) -> list[Timeslot]:
        return self.mirrored.slots if self.mirrored is not None else list(self.live or [])

    def json(self) -> bytes | None:
        """The JSON array, when it is at hand without rendering (mirror answers)."""
        return self.mirrored.json() if self.mirrored is not None else None

    def gzip(self) -> bytes | None:
        """The JSON array gzip-compressed, for mirror answers (compressed once, however often served)."""
        return self.mirrored.gzip() if self.mirrored is not None else None


@dataclass(frozen=True, slots=True)
class AvailabilityReader:
    connectors: ConnectorPool
    mirror: MirrorReader | None

    async def _mirror_of(self, application_id: str, emr: str, connector: Connector) -> str | None:
        if self.mirror is None or not _has_pairs(connector):
            return None
        connection = await self.connectors.connection_of(application_id, emr)
        if connection is None or not self.connectors.mirrorable(connection):
            return None
        return connection.id

    async def timeslots(
        self,
        application_id: str,
        emr: str,
        connector: Connector,
        care_unit_id: str,
        start: datetime,
        end: datetime,
        resource_ids: Sequence[str] | None,
        service_ids: Sequence[str] | None,
    ) -> Slots:
        connection_id = await self._mirror_of(application_id, emr, connector)
        if connection_id is not None and self.mirror is not None and _has_pairs(connector):
            pairs = await connector.bookable_pairs(care_unit_id, resource_ids, service_ids)
            answer = await self.mirror.timeslots(connection_id, care_unit_id, pairs, start, end)
            if answer is not None:
                return Slots(Freshness("mirror", answer.age_seconds), mirrored=answer)
        slots = await connector.list_timeslots(care_unit_id, start, end, resource_ids, service_ids)
        return Slots(LIVE, live=slots)

    async def schedule(
        self,
        application_id: str,
        emr: str,
        connector: Connector,
        care_unit_id: str,
        resource_id: str,
        start: datetime,
        end: datetime,
        zone: ZoneInfo,
    ) -> tuple[list[ScheduleBlock], Freshness]:
        connection_id = await self._mirror_of(application_id, emr, connector)
        if connection_id is not None and self.mirror is not None and end > start:
            await connector.get_resource(care_unit_id, resource_id)  # the same 404 as a live read
            found = await self.mirror.schedule(connection_id, care_unit_id, resource_id, Interval(start, end), zone)
            if found is not None:
                blocks, age = found
                return [
                    ScheduleBlock(start=i.start.astimezone(zone), end=i.end.astimezone(zone)) for i in blocks
                ], Freshness("mirror", age)
        return await connector.get_schedule(care_unit_id, resource_id, start, end), LIVE

    async def next_available(
        self,
        application_id: str,
        emr: str,
        connector: Connector,
        care_unit_id: str,
        after: datetime,
        resource_ids: Sequence[str] | None,
        service_ids: Sequence[str] | None,
    ) -> tuple[Timeslot | None, Freshness]:
        connection_id = await self._mirror_of(application_id, emr, connector)
        if connection_id is not None and self.mirror is not None and _has_pairs(connector):
            pairs = await connector.bookable_pairs(care_unit_id, resource_ids, service_ids)
            found = await self.mirror.next_available(connection_id, care_unit_id, pairs, after)
            if found is not None:
                slot, age = found
                return slot, Freshness("mirror", age)
        return await connector.next_available(care_unit_id, after, resource_ids, service_ids), LIVE
