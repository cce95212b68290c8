"""Free timeslots read live from Acuity's own availability engine: ``/availability/dates`` for a month, then
``/availability/times`` for each day that has any, per (calendar, appointment type) pair.

Reads go live only while the scheduling mirror cannot answer (cold, too stale, or a window past the days it
holds): Acuity's API exposes no working hours, date overrides, padding rules or start-time intervals, only
their result, so the mirror keeps Acuity's answers (``free_times.py``), and a live read hands what it read to
the mirror too (the first cold read warms it for every reader). Live, every answer of Acuity is remembered per
pair and month (dates) or day (times) for ``Settings.timeslot_cache_seconds``; identical reads in flight share
one upstream call; our own writes forget the calendars they touch; the booking re-check (``fresh``) always asks.

Cost: a pair costs one call per month the window touches plus one per day with free time. A read whose
uncached days need more than ``MAX_LIVE_CALLS`` calls is refused up front (429, nothing half-done), with the
advice to narrow it; Acuity's 10 requests per second make that about ten seconds of the whole budget.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar

from medley.connectors.acuity import mapping
from medley.connectors.acuity.client import AcuityClient
from medley.connectors.acuity.practice import Practice
from medley.connectors.admission import stepping_aside
from medley.connectors.rate_budget import rate_limited
from medley.domain.models import Timeslot

MAX_LIVE_CALLS = 100
NEXT_AVAILABLE_MONTHS = 4  # 13 weeks ahead, as Cliniko's look-ahead

V = TypeVar("V")
ClassStarts = dict[tuple[str, date], list[tuple[datetime, int]]]
"""A calendar's classes of one month with seats left: (type id, local day) -> [(start, seats left)]."""


class Remembered(Generic[V]):
    """Answers kept for ``ttl`` seconds by key; concurrent loads of one key share a single upstream call."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._loading: dict[Hashable, asyncio.Future[V]] = {}

    def cached(self, key: Hashable) -> bool:
        entry = self._entries.get(key)
        return entry is not None and entry[0] > self._clock()

    async def get(self, key: Hashable, load: Callable[[], Awaitable[V]], *, fresh: bool = False) -> V:
        entry = self._entries.get(key)
        if not fresh and entry is not None and entry[0] > self._clock():
            return entry[1]
        pending = self._loading.get(key)
        if pending is not None and not fresh:
            async with stepping_aside():  # its loader steps aside upstream: never hold a place it needs back
                return await asyncio.shield(pending)
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            value = await load()
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved here: a load nobody else awaited must not warn
            raise
        finally:
            if self._loading.get(key) is future:
                del self._loading[key]
        future.set_result(value)
        if self._ttl > 0:
            self._entries[key] = (self._clock() + self._ttl, value)
        return value

    def forget(self, calendar_ids: Iterable[str] | None) -> None:
        """Drop what was remembered about these calendars (every key starts with its calendar id)."""
        if calendar_ids is None:
            self._entries.clear()
            return
        gone = set(calendar_ids)
        for key in [k for k in self._entries if isinstance(k, tuple) and k and k[0] in gone]:
            del self._entries[key]


class AvailabilityCache:
    """What Acuity said per (calendar, type, month) and per (calendar, type, day), and a calendar's classes per
    month."""

    def __init__(self, ttl: float) -> None:
        self.dates: Remembered[frozenset[date]] = Remembered(ttl)
        self.times: Remembered[list[datetime]] = Remembered(ttl)
        self.classes: Remembered[ClassStarts] = Remembered(ttl)

    def forget(self, calendar_ids: Iterable[str] | None) -> None:
        self.dates.forget(calendar_ids)
        self.times.forget(calendar_ids)
        self.classes.forget(calendar_ids)


def _months(first: date, last: date) -> list[date]:
    months: list[date] = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


class SlotReader:
    """The fan-out of one read over one practice snapshot."""

    def __init__(self, client: AcuityClient, practice: Practice, cache: AvailabilityCache, *, fresh: bool) -> None:
        self._client = client
        self._practice = practice
        self._cache = cache
        self._fresh = fresh

    async def dates(self, calendar_id: str, type_id: str, month: date) -> frozenset[date]:
        async def load() -> frozenset[date]:
            params = [
                ("month", month.strftime("%Y-%m")),
                ("appointmentTypeID", type_id),
                ("calendarID", calendar_id),
                ("timezone", self._practice.zone_of(calendar_id).key),
            ]
            found: set[date] = set()
            for item in await self._client.get_list("/availability/dates", params):
                try:
                    found.add(date.fromisoformat(str(item.get("date"))))
                except ValueError:
                    continue
            return frozenset(found)

        return await self._cache.dates.get((calendar_id, type_id, month), load, fresh=self._fresh)

    async def times(self, calendar_id: str, type_id: str, day: date) -> list[datetime]:
        async def load() -> list[datetime]:
            tz = self._practice.zone_of(calendar_id)
            params = [
                ("date", day.isoformat()),
                ("appointmentTypeID", type_id),
                ("calendarID", calendar_id),
                ("timezone", tz.key),
            ]
            starts: list[datetime] = []
            for item in await self._client.get_list("/availability/times", params):
                seats = item.get("slotsAvailable")
                if isinstance(seats, int) and not isinstance(seats, bool) and seats <= 0:
                    continue
                moment = mapping.parse_datetime(item.get("time"))
                if moment is not None:
                    starts.append(moment.astimezone(tz))
            return sorted(starts)

        return await self._cache.times.get((calendar_id, type_id, day), load, fresh=self._fresh)

    async def class_month(self, calendar_id: str, month: date) -> ClassStarts:
        """Every class with a seat left on the calendar in the month (local to the calendar): one call."""

        async def load() -> ClassStarts:
            tz = self._practice.zone_of(calendar_id)
            params = [("month", month.strftime("%Y-%m")), ("calendarID", calendar_id), ("timezone", tz.key)]
            found: ClassStarts = {}
            for item in await self._client.get_list("/availability/classes", params):
                moment = mapping.parse_datetime(item.get("time"))
                type_id = mapping.record_id(item, "appointmentTypeID")
                seats = item.get("slotsAvailable")
                left = seats if isinstance(seats, int) and not isinstance(seats, bool) else 1
                if moment is None or type_id is None or left <= 0:
                    continue
                local = moment.astimezone(tz)
                found.setdefault((type_id, local.date()), []).append((local, left))
            return {key: sorted(starts) for key, starts in found.items()}

        return await self._cache.classes.get((calendar_id, month), load, fresh=self._fresh)

    async def days_with_time(
        self, pairs: Sequence[tuple[str, str]], start: datetime, end: datetime
    ) -> list[tuple[str, str, date]]:
        """Every (calendar, type, local day) in [start, end) that Acuity says has free time."""
        wanted: list[tuple[str, str, date, date, date]] = []
        for calendar_id, type_id in pairs:
            tz = self._practice.zone_of(calendar_id)
            first, last = start.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz).date()
            wanted += [(calendar_id, type_id, month, first, last) for month in _months(first, last)]
        found = await asyncio.gather(*(self.dates(c, t, m) for c, t, m, _, _ in wanted))
        days = {
            (c, t, d)
            for (c, t, _, first, last), dates in zip(wanted, found, strict=True)
            for d in dates
            if first <= d <= last
        }
        return sorted(days)

    def refuse_if_costly(self, days: Sequence[tuple[str, str, date]], what: str) -> None:
        calls = sum(1 for key in days if self._fresh or not self._cache.times.cached(key))
        if calls > MAX_LIVE_CALLS:
            error = rate_limited(calls / 10)
            error.detail = (
                f"{what} needs {calls} availability reads from Acuity (one per resource, service and day), more "
                f"than the {MAX_LIVE_CALLS} one request may make; narrow it (fewer days, a resource or a service)."
            )
            raise error


async def find_timeslots(
    client: AcuityClient,
    practice: Practice,
    cache: AvailabilityCache,
    care_unit_id: str,
    start: datetime,
    end: datetime,
    *,
    calendar_ids: Sequence[str] | None,
    type_ids: Sequence[str] | None,
    fresh: bool,
    answers: dict[tuple[str, str, date], list[datetime]] | None = None,
) -> list[Timeslot]:
    """Free slots in [start, end); ``answers`` (when given) receives what Acuity said for every calendar, type
    and local day the window touches, whole days, empty ones included (what the mirror keeps)."""
    pairs = practice.pairs(care_unit_id, calendar_ids, type_ids)
    classes = [pair for pair in pairs if mapping.is_class(practice.types[pair[1]])]
    services = [pair for pair in pairs if pair not in classes]
    reader = SlotReader(client, practice, cache, fresh=fresh)
    days = await reader.days_with_time(services, start, end)
    reader.refuse_if_costly(days, "This timeslot read")
    found, seated = await asyncio.gather(
        asyncio.gather(*(reader.times(c, t, d) for c, t, d in days)), _class_days(reader, practice, classes, start, end)
    )
    days += list(seated)
    found += [[moment for moment, _ in starts] for starts in seated.values()]
    if answers is not None:
        for calendar_id, type_id in pairs:
            answers.update({key: [] for key in _local_days(practice, calendar_id, type_id, start, end)})
        answers.update({key: list(starts) for key, starts in zip(days, found, strict=True)})
    slots = [
        _slot(practice, calendar_id, type_id, moment)
        for (calendar_id, type_id, _), starts in zip(days, found, strict=True)
        for moment in starts
        if start <= moment < end
    ]
    # A slot lies in the window, its end included: what the mirror answers, and Cliniko's live reads.
    slots = [slot for slot in slots if slot.end <= end]
    return sorted(slots, key=lambda s: (s.start, s.resource_id, s.healthcare_service_id))


async def find_next(
    client: AcuityClient,
    practice: Practice,
    cache: AvailabilityCache,
    care_unit_id: str,
    after: datetime,
    *,
    calendar_ids: Sequence[str] | None,
    type_ids: Sequence[str] | None,
) -> Timeslot | None:
    """The earliest free slot at or after ``after``, month by month, up to ``NEXT_AVAILABLE_MONTHS`` ahead."""
    pairs = practice.pairs(care_unit_id, calendar_ids, type_ids)
    reader = SlotReader(client, practice, cache, fresh=False)
    month_start = after
    for _ in range(NEXT_AVAILABLE_MONTHS):
        month_end = month_start + timedelta(days=31)
        days = await reader.days_with_time(pairs, month_start, month_end)
        # Days in order: the first day with a start after ``after`` is the answer for its pair.
        best: Timeslot | None = None
        for calendar_id, type_id, day in days:
            if best is not None and day > best.start.astimezone(practice.zone_of(calendar_id)).date():
                continue
            for moment in await reader.times(calendar_id, type_id, day):
                if moment >= after:
                    slot = _slot(practice, calendar_id, type_id, moment)
                    if best is None or (slot.start, slot.resource_id) < (best.start, best.resource_id):
                        best = slot
                    break
        if best is not None:
            return best
        month_start = month_end
    return None


async def _class_days(
    reader: SlotReader, practice: Practice, pairs: Sequence[tuple[str, str]], start: datetime, end: datetime
) -> dict[tuple[str, str, date], list[tuple[datetime, int]]]:
    """Classes cost one call per calendar and month (``/availability/classes``), not one per day."""
    calendars = sorted({calendar_id for calendar_id, _ in pairs})
    wanted = [
        (calendar_id, month)
        for calendar_id in calendars
        for month in _months(*_local_span(practice, calendar_id, start, end))
    ]
    months = await asyncio.gather(*(reader.class_month(calendar_id, month) for calendar_id, month in wanted))
    found: dict[tuple[str, str, date], list[tuple[datetime, int]]] = {}
    for (calendar_id, _), classes in zip(wanted, months, strict=True):
        for (type_id, day), starts in classes.items():
            if (calendar_id, type_id) in pairs:
                found[(calendar_id, type_id, day)] = starts
    return found


def _local_span(practice: Practice, calendar_id: str, start: datetime, end: datetime) -> tuple[date, date]:
    """The first and last local day of the calendar that [start, end) touches."""
    tz = practice.zone_of(calendar_id)
    return start.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz).date()


def _local_days(
    practice: Practice, calendar_id: str, type_id: str, start: datetime, end: datetime
) -> list[tuple[str, str, date]]:
    first, last = _local_span(practice, calendar_id, start, end)
    return [(calendar_id, type_id, first + timedelta(days=n)) for n in range((last - first).days + 1)]


def _slot(practice: Practice, calendar_id: str, type_id: str, moment: datetime) -> Timeslot:
    duration = timedelta(minutes=mapping.duration_of(practice.types[type_id]))
    return Timeslot(start=moment, end=moment + duration, resource_id=calendar_id, healthcare_service_id=type_id)
