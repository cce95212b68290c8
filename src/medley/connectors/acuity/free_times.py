"""Acuity's own free time, read for the scheduling mirror (``FreeTimeSource``; DESIGN §1 part 4).

Acuity exposes its availability but not the rules behind it (hours, date edits, start-time intervals,
padding), so the mirror stores Acuity's answers per calendar, appointment type and local day instead of
computing them. A month of one service costs one ``/availability/dates`` call (which days have any time)
plus one ``/availability/times`` call per day that has; a month of every class of one zone costs one
``/availability/classes`` call. A single day costs one ``/availability/times`` call (classes included).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from medley.connectors.acuity import mapping
from medley.connectors.acuity.client import AcuityClient
from medley.connectors.acuity.practice import Practice, PracticeCache
from medley.connectors.acuity.timeslots import AvailabilityCache, SlotReader
from medley.connectors.sync_source import FreeDay, FreeOffering


def offerings_of(practice: Practice) -> list[FreeOffering]:
    """Every bookable (calendar, type) pair of the account, with what the mirror needs to hold its time."""
    found: list[FreeOffering] = []
    for type_id, calendars in sorted(practice.calendars_of.items()):
        kind = practice.types[type_id]
        for calendar_id in calendars:
            found.append(
                FreeOffering(
                    care_unit_id=practice.care_unit_id,
                    resource_id=calendar_id,
                    service_id=type_id,
                    time_zone=practice.zone_of(calendar_id).key,
                    duration_minutes=mapping.duration_of(kind),
                    padding_before=_minutes(kind.get("paddingBefore")),
                    padding_after=_minutes(kind.get("paddingAfter")),
                    is_class=mapping.is_class(kind),
                )
            )
    return found


def free_days_of(practice: Practice, answers: dict[tuple[str, str, date], list[datetime]]) -> list[FreeDay]:
    """A live read's answers (calendar, type, local day -> starts) as the mirror's free days."""
    offerings = {(o.resource_id, o.service_id): o for o in offerings_of(practice)}
    return [
        FreeDay(offerings[(calendar_id, type_id)], day, tuple((moment, 1) for moment in starts))
        for (calendar_id, type_id, day), starts in answers.items()
        if (calendar_id, type_id) in offerings
    ]


def _minutes(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


class AcuityFreeTimes:
    """The free-time reads of one account, through the connector's client, budget and answer cache."""

    def __init__(self, client: AcuityClient, practice: PracticeCache, cache: AvailabilityCache) -> None:
        self._client = client
        self._practice = practice
        self._cache = cache

    async def free_offerings(self) -> list[FreeOffering]:
        return offerings_of(await self._practice.get())

    async def budget_headroom(self) -> int:
        return await self._client.headroom()

    async def read_free_days(self, wanted: Sequence[tuple[FreeOffering, date]]) -> list[FreeDay]:
        reader = SlotReader(self._client, await self._practice.get(), self._cache, fresh=True)
        found = await asyncio.gather(*(reader.times(o.resource_id, o.service_id, day) for o, day in wanted))
        return [_day(offering, day, starts) for (offering, day), starts in zip(wanted, found, strict=True)]

    async def read_free_month(
        self, offerings: Sequence[FreeOffering], month: date, first_day: date, last_day: date
    ) -> list[FreeDay]:
        month = month.replace(day=1)
        following = (month + timedelta(days=32)).replace(day=1)
        days = _days(max(first_day, month), min(last_day, following - timedelta(days=1)))
        if not days:
            return []
        classes = [o for o in offerings if o.is_class]
        services = [o for o in offerings if not o.is_class]
        practice = await self._practice.get()
        reader = SlotReader(self._client, practice, self._cache, fresh=True)
        class_days, service_days = await asyncio.gather(
            self._class_month(reader, classes, month, days), self._service_month(reader, services, month, days)
        )
        return class_days + service_days

    async def _service_month(
        self, reader: SlotReader, offerings: Sequence[FreeOffering], month: date, days: Sequence[date]
    ) -> list[FreeDay]:
        open_days = await asyncio.gather(*(reader.dates(o.resource_id, o.service_id, month) for o in offerings))
        wanted = [(o, d) for o, dates in zip(offerings, open_days, strict=True) for d in days if d in dates]
        read = {(f.offering.key, f.day): f for f in await self.read_free_days(wanted)}
        return [read.get((o.key, d)) or FreeDay(o, d, ()) for o in offerings for d in days]

    async def _class_month(
        self, reader: SlotReader, offerings: Sequence[FreeOffering], month: date, days: Sequence[date]
    ) -> list[FreeDay]:
        """One ``/availability/classes`` call per calendar for every class offering of the month."""
        calendars = sorted({o.resource_id for o in offerings})
        found = await asyncio.gather(*(reader.class_month(calendar_id, month) for calendar_id in calendars))
        months = dict(zip(calendars, found, strict=True))
        return [
            FreeDay(o, day, tuple(months[o.resource_id].get((o.service_id, day), ())))
            for o in offerings
            for day in days
        ]


def _day(offering: FreeOffering, day: date, starts: Sequence[datetime]) -> FreeDay:
    return FreeDay(offering, day, tuple((moment, 1) for moment in starts))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
