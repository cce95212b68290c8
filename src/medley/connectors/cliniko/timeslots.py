"""Free timeslots from Cliniko's online-booking engine (``available_times``, ``next_available_time``).

Cliniko answers per (business, practitioner, appointment type) and per at most 7 calendar days
(``from``..``from+6``, dates in the business's zone, never before today there). So a request fans out
over every pair and every 7-day window, concurrently. A pair not enabled for online bookings answers
404 and is skipped. Cliniko gives only start times: a slot ends after the type's duration.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta

from medley.connectors.admission import stepping_aside
from medley.connectors.cliniko import mapping
from medley.connectors.cliniko.client import ClinikoClient, QueryParams
from medley.connectors.cliniko.errors import ClinikoNotFound
from medley.connectors.cliniko.fanout import gather_all
from medley.connectors.cliniko.reference import Practice
from medley.connectors.cliniko.slot_cache import SlotKey, SlotMemory
from medley.domain.models import Timeslot

WINDOW_DAYS = 7
NEXT_AVAILABLE_WEEKS = 13

Pair = tuple[str, str]  # (practitioner id, appointment type id)
Window = tuple[date, date]


async def find_timeslots(
    client: ClinikoClient,
    practice: Practice,
    care_unit_id: str,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    resource_ids: Sequence[str] | None = None,
    service_ids: Sequence[str] | None = None,
    cache: SlotMemory | None = None,
    fresh: bool = False,
) -> list[Timeslot]:
    """Slots wholly inside [start, end), in the care unit's zone, sorted by (start, resource, service).

    ``cache`` remembers upstream answers briefly; ``fresh`` bypasses it (the booking re-check)."""
    tz = mapping.zone_of(practice.business(care_unit_id))
    pairs = practice.pairs(care_unit_id, resource_ids, service_ids)
    begin = max(start, now)
    if end <= begin or not pairs:
        return []
    windows = date_windows(begin.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz).date())
    jobs = [(pair, window) for pair in pairs for window in windows]
    if not fresh:
        uncached = [job for job in jobs if cache is None or not cache.remembers(_key(care_unit_id, *job))]
        await client.ensure_headroom(len(uncached), "This timeslot read")
    found = await gather_all([_cached_times(client, cache, care_unit_id, pair, window, fresh) for pair, window in jobs])
    slots: dict[tuple[datetime, str, str], Timeslot] = {}
    for ((practitioner_id, type_id), _window), starts in zip(jobs, found, strict=True):
        duration = timedelta(minutes=practice.duration_minutes(type_id))
        if not duration:
            continue
        for slot_start in starts or ():
            slot_end = slot_start + duration
            if start <= slot_start and slot_end <= end:
                slots[(slot_start, practitioner_id, type_id)] = Timeslot(
                    start=slot_start.astimezone(tz),
                    end=slot_end.astimezone(tz),
                    resource_id=practitioner_id,
                    healthcare_service_id=type_id,
                )
    return [slots[key] for key in sorted(slots)]


async def find_next(
    client: ClinikoClient,
    practice: Practice,
    care_unit_id: str,
    after: datetime,
    *,
    now: datetime,
    resource_ids: Sequence[str] | None = None,
    service_ids: Sequence[str] | None = None,
) -> Timeslot | None:
    """The earliest slot starting at or after ``after``, week by week up to 13 weeks ahead."""
    tz = mapping.zone_of(practice.business(care_unit_id))
    pairs = practice.pairs(care_unit_id, resource_ids, service_ids)
    after = max(after, now)
    first_day = after.astimezone(tz).date()
    for week in range(NEXT_AVAILABLE_WEEKS):
        if not pairs:
            return None
        window_start = first_day + timedelta(days=WINDOW_DAYS * week)
        window = (window_start, window_start + timedelta(days=WINDOW_DAYS - 1))
        results = await gather_all([_first_after(client, care_unit_id, pair, window, after) for pair in pairs])
        bookable: list[Pair] = []
        candidates: list[tuple[datetime, Pair]] = []
        for pair, (online, first) in zip(pairs, results, strict=True):
            if online:  # pairs Cliniko refuses (not bookable online) are not asked again
                bookable.append(pair)
            if first is not None:
                candidates.append((first, pair))
        pairs = bookable
        if candidates:
            # Windows are visited in order, so the earliest of this window is the earliest of all.
            slot_start, (practitioner_id, type_id) = min(candidates)
            duration = timedelta(minutes=practice.duration_minutes(type_id))
            return Timeslot(
                start=slot_start.astimezone(tz),
                end=(slot_start + duration).astimezone(tz),
                resource_id=practitioner_id,
                healthcare_service_id=type_id,
            )
    return None


def date_windows(first: date, last: date) -> list[Window]:
    """Consecutive windows of at most 7 calendar days covering ``first``..``last``."""
    windows = []
    day = first
    while day <= last:
        windows.append((day, min(day + timedelta(days=WINDOW_DAYS - 1), last)))
        day += timedelta(days=WINDOW_DAYS)
    return windows


def _path(care_unit_id: str, pair: Pair, endpoint: str) -> str:
    practitioner_id, type_id = pair
    business = f"/businesses/{care_unit_id}"
    return f"{business}/practitioners/{practitioner_id}/appointment_types/{type_id}/{endpoint}"


def _window_params(window: Window) -> QueryParams:
    return [("from", window[0].isoformat()), ("to", window[1].isoformat())]


def _key(care_unit_id: str, pair: Pair, window: Window) -> SlotKey:
    return (care_unit_id, pair[0], pair[1], window[0], window[1])


async def _cached_times(
    client: ClinikoClient, cache: SlotMemory | None, care_unit_id: str, pair: Pair, window: Window, fresh: bool
) -> list[datetime] | None:
    if cache is None:
        return await available_times(client, care_unit_id, pair, window)
    key = _key(care_unit_id, pair, window)
    if fresh:
        return await cache.get_or_load(key, lambda: available_times(client, care_unit_id, pair, window), fresh=True)
    # Identical reads in flight share one upstream call (a burst of visitors on one calendar).
    return await _IN_FLIGHT.run(
        (id(client), key),
        lambda: cache.get_or_load(key, lambda: available_times(client, care_unit_id, pair, window), fresh=False),
    )


class _InFlight:
    """Coalesces identical concurrent loads: the first caller loads, the others await its result."""

    def __init__(self) -> None:
        self._loads: dict[object, asyncio.Future[list[datetime] | None]] = {}

    async def run(
        self, key: object, load: Callable[[], Awaitable[list[datetime] | None]]
    ) -> list[datetime] | None:
        pending = self._loads.get(key)
        if pending is not None:
            async with stepping_aside():  # its loader steps aside upstream: never hold a place it needs back
                return await asyncio.shield(pending)
        future: asyncio.Future[list[datetime] | None] = asyncio.get_running_loop().create_future()
        self._loads[key] = future
        try:
            result = await load()
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._loads[key]


_IN_FLIGHT = _InFlight()


async def available_times(
    client: ClinikoClient, care_unit_id: str, pair: Pair, window: Window
) -> list[datetime] | None:
    """Slot starts of one pair in one window; ``None`` when the pair is not bookable online."""
    try:
        items = await client.get_all(
            _path(care_unit_id, pair, "available_times"), "available_times", _window_params(window)
        )
    except ClinikoNotFound:
        return None
    return [moment for item in items if (moment := mapping.parse_instant(item.get("appointment_start")))]


async def _first_after(
    client: ClinikoClient, care_unit_id: str, pair: Pair, window: Window, after: datetime
) -> tuple[bool, datetime | None]:
    """(bookable online, first start at or after ``after`` in the window)."""
    try:
        answer = await client.get(_path(care_unit_id, pair, "next_available_time"), _window_params(window))
    except ClinikoNotFound:
        return False, None
    first = mapping.parse_instant(answer.get("appointment_start"))
    if first is None or first >= after:
        return True, first
    # Cliniko's first free time is earlier than asked for (same week): look through the week.
    starts = await available_times(client, care_unit_id, pair, window)
    if starts is None:
        return False, None
    return True, min((s for s in starts if s >= after), default=None)
