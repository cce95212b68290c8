"""Reads answered from the mirror: timeslots and the next free slot, at zero upstream cost.

A connection's mirror answers only while it is live and fresh (its last successful sync at most
``Settings.mirror_max_staleness_seconds`` ago); otherwise the caller goes to the EHR live. Every answer
carries the age of the data it was computed from, which the API shows as ``Medley-Data-Age``.

Free time is computed once per care unit and mirror version (every change of the mirror bumps it), for
every bookable combination and every local day of the next ``COVER_DAYS``, and kept with each slot's JSON
already rendered. A read then only selects: the slots in its window and filters, past the minimum notice
and within the booking horizon at the moment of the read. That keeps a storm of unfiltered two-month reads
cheap. Each local day is computed as its own window (a free interval never runs across midnight: Cliniko's
weekly hours cannot), which gives the grid Cliniko's ``available_times`` gives.
"""

from __future__ import annotations

import asyncio
import bisect
import dataclasses
import gzip
import heapq
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from sqlalchemy import select

from medley.config import Settings
from medley.connectors.sync_source import BookingLimits
from medley.domain.models import Timeslot
from medley.scheduling import (
    Interval,
    day_segment,
    iter_bookable_starts,
    subtract,
    to_instant,
    working_intervals,
)
from medley.store.database import Store
from medley.store.tables import MirrorConnectionRow, MirrorFreeDayRow, MirrorOfferingRow
from medley.sync import free_days
from medley.sync.mirror import LIVE
from medley.sync.slots import Pair, SlotInputs, load_inputs, load_time_off

NEXT_AVAILABLE_WEEKS = 13
FRESHNESS_MEMORY_SECONDS = 0.5
ANSWERS_KEPT = 64  # recent answers, each at most a two-month window of one care unit (a few hundred kB)
# Covers the longest window a client may ask (62 days) from its furthest start, and next-available's 13 weeks.
COVER_DAYS = 7 * NEXT_AVAILABLE_WEEKS + 2
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class MirrorSlot:
    start: datetime
    end: datetime
    resource_id: str
    service_id: str
    notice: timedelta
    json: bytes
    day: date  # local
    segment: int  # 0 morning, 1 afternoon, 2 evening (local wall clock)
    zone: ZoneInfo | None = None  # the resource's own, when it is not the care unit's (Acuity's calendars)

    def timeslot(self, zone: ZoneInfo) -> Timeslot:
        zone = self.zone or zone
        return Timeslot(
            start=self.start.astimezone(zone),
            end=self.end.astimezone(zone),
            resource_id=self.resource_id,
            healthcare_service_id=self.service_id,
        )


@dataclass(frozen=True, slots=True)
class ComputedSlots:
    version: int
    first_day: date
    zone: ZoneInfo
    slots: list[MirrorSlot]
    # Parallel to ``slots``: a read selects index ranges with bisect and slices these lists (C speed), so an
    # unfiltered two-month read touches in Python only the slots near its edges.
    starts: list[datetime]
    jsons: list[bytes]
    pairs: frozenset[Pair]
    longest_notice: timedelta
    longest_duration: timedelta
    # Per resource: a fingerprint of what its slots were computed from, and those slots. A change of the
    # mirror (one booking) recomputes only the resources whose inputs changed.
    parts: dict[str, tuple[int, list[MirrorSlot]]]
    # Per resource and local day, how many appointments it holds (for a daily bookings limit).
    appointments_per_day: dict[str, Counter[date]]

    @classmethod
    def of(
        cls,
        version: int,
        first_day: date,
        zone: ZoneInfo,
        slots: list[MirrorSlot],
        parts: dict[str, tuple[int, list[MirrorSlot]]],
        appointments_per_day: dict[str, Counter[date]] | None = None,
    ) -> ComputedSlots:
        """``slots`` sorted by start, resource and service."""
        return cls(
            version=version,
            first_day=first_day,
            zone=zone,
            slots=slots,
            starts=[slot.start for slot in slots],
            jsons=[slot.json for slot in slots],
            pairs=frozenset((slot.resource_id, slot.service_id) for slot in slots),
            longest_notice=max((slot.notice for slot in slots), default=timedelta(0)),
            longest_duration=max((slot.end - slot.start for slot in slots), default=timedelta(0)),
            parts=parts,
            appointments_per_day=appointments_per_day or {},
        )


class RenderedSlots:
    """An answer's JSON array, joined from the slots' pre-rendered JSON when first asked, and gzip-compressed
    when first asked; both are kept, so an answer served many times is rendered and compressed once."""

    __slots__ = ("_chunks", "_gzip", "_json")

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks
        self._json: bytes | None = None
        self._gzip: bytes | None = None

    def json(self) -> bytes:
        if self._json is None:
            self._json = b"[" + b",".join(self._chunks) + b"]"
        return self._json

    def gzip(self) -> bytes:
        if self._gzip is None:
            # Level 1: a two-month answer (414 kB) shrinks to 24 kB in 0.7 ms; level 6 saves a third more bytes
            # for four times the CPU.
            self._gzip = gzip.compress(self.json(), compresslevel=1, mtime=0)
        return self._gzip


@dataclass(frozen=True, slots=True)
class MirrorAnswer:
    """Slots selected from the mirror, with the age of the data."""

    found: list[MirrorSlot]
    zone: ZoneInfo
    age_seconds: float
    rendered: RenderedSlots = field(default_factory=lambda: RenderedSlots([]))

    @property
    def slots(self) -> list[Timeslot]:
        return [slot.timeslot(self.zone) for slot in self.found]

    def json(self) -> bytes:
        return self.rendered.json()

    def gzip(self) -> bytes:
        return self.rendered.gzip()


@dataclass(frozen=True, slots=True)
class FreeSlots:
    """The EHR's own free starts (``free_days.py``) as selectable slots, and which local days the mirror holds
    for each pair: a read is answered only when every day it needs is held."""

    computed: ComputedSlots
    zones: dict[Pair, ZoneInfo]
    run_ends: dict[Pair, dict[date, date]]
    """Per pair and held day, the last day of the unbroken run of held days it begins."""

    @classmethod
    def of(cls, version: int, rows: Sequence[MirrorFreeDayRow], now: datetime) -> FreeSlots:
        slots: list[MirrorSlot] = []
        zones: dict[Pair, ZoneInfo] = {}
        held: dict[Pair, set[date]] = defaultdict(set)
        for row in rows:
            pair = (row.resource_id, row.service_id)
            zone = zones.setdefault(pair, ZoneInfo(row.time_zone))
            held[pair].add(row.day)
            duration = timedelta(minutes=row.duration_minutes)
            for at, _seats in row.starts:
                start = datetime.fromtimestamp(at, UTC)
                local = start.astimezone(zone)
                day, segment = day_segment(start, zone)
                slots.append(
                    MirrorSlot(
                        start=start,
                        end=start + duration,
                        resource_id=row.resource_id,
                        service_id=row.service_id,
                        notice=timedelta(0),
                        json=Timeslot(
                            start=local,
                            end=local + duration,
                            resource_id=row.resource_id,
                            healthcare_service_id=row.service_id,
                        )
                        .model_dump_json()
                        .encode(),
                        day=day,
                        segment=segment,
                        zone=zone,
                    )
                )
        slots.sort(key=_order)
        first_zone = next(iter(zones.values()), ZoneInfo("UTC"))
        computed = ComputedSlots.of(version, now.astimezone(first_zone).date(), first_zone, slots, {})
        return cls(computed, zones, {pair: _runs(days) for pair, days in held.items()})

    def covered_until(self, wanted: Collection[Pair], begin: datetime) -> datetime | None:
        """Until when every wanted pair's days are held, from ``begin``'s day on; ``None`` when not even that
        day is held for one of them."""
        until: datetime | None = None
        for pair in wanted:
            zone = self.zones.get(pair)
            if zone is None:
                return None
            last = self.run_ends[pair].get(begin.astimezone(zone).date())
            if last is None:
                return None
            end = to_instant(last + _ONE_DAY, time(0), zone)
            until = end if until is None else min(until, end)
        return until if until is not None else begin + timedelta(days=COVER_DAYS)


def _runs(days: set[date]) -> dict[date, date]:
    ends: dict[date, date] = {}
    for day in sorted(days, reverse=True):
        following = ends.get(day + _ONE_DAY)
        ends[day] = following if following is not None else day
    return ends


@dataclass(frozen=True, slots=True)
class _Fresh:
    limits: BookingLimits
    age_seconds: float
    version: int
    free_times: bool = False  # the mirror holds the EHR's own free days (``free_days.py``)


class MirrorReader:
    """The read side of every connection's mirror, for one process."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._max_age = settings.mirror_max_staleness_seconds
        # SQLite is one machine's store, where a query costs a thread hop: its mirror state is read at most
        # every FRESHNESS_MEMORY_SECONDS, and our own writes forget it at once. On PostgreSQL (replicas)
        # every read asks, so another replica's booking shows on the very next read.
        self._memory_seconds = FRESHNESS_MEMORY_SECONDS if store.is_sqlite else 0.0
        self._remembered: dict[str, tuple[float, _Fresh | None, datetime]] = {}
        self._computed: dict[tuple[str, str], ComputedSlots] = {}
        self._free: dict[tuple[str, str], FreeSlots] = {}
        self._answers: OrderedDict[tuple[object, ...], MirrorAnswer] = OrderedDict()
        self._computing: dict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)

    def forget(self, connection_id: str) -> None:
        """The mirror changed under our own write: read its state again."""
        self._remembered.pop(connection_id, None)

    async def _fresh(self, connection_id: str, now: datetime) -> _Fresh | None:
        remembered = self._remembered.get(connection_id)
        if remembered is not None and remembered[0] > monotonic():
            fresh, read_at = remembered[1], remembered[2]
            if fresh is None:
                return None
            age = fresh.age_seconds + max(0.0, (now - read_at).total_seconds())
            return None if age > self._max_age else _Fresh(fresh.limits, age, fresh.version, fresh.free_times)
        fresh = await self._read_fresh(connection_id, now)
        if self._memory_seconds > 0:
            self._remembered[connection_id] = (monotonic() + self._memory_seconds, fresh, now)
        return fresh

    async def _read_fresh(self, connection_id: str, now: datetime) -> _Fresh | None:
        async with self._store.sessions() as session:
            row = (
                await session.execute(
                    select(
                        MirrorConnectionRow.state,
                        MirrorConnectionRow.synced_at,
                        MirrorConnectionRow.limits,
                        MirrorConnectionRow.version,
                        MirrorConnectionRow.free_times,
                    ).where(MirrorConnectionRow.connection_id == connection_id)
                )
            ).first()
        if row is None:
            return None
        state, synced_at, limits, version, free_times = row
        if state != LIVE or synced_at is None:
            return None
        age = max(0.0, (now - synced_at).total_seconds())
        if age > self._max_age:
            return None
        return _Fresh(BookingLimits.from_json(limits or {}), age, int(version or 0), bool(free_times))

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
        first_only: bool = False,
    ) -> MirrorAnswer | None:
        """Slots starting in [start, end) (ending by ``end`` with ``ends_by_end``), sorted by start, resource
        and service; ``None`` while the mirror cannot answer."""
        now = (now or datetime.now(UTC)).replace(microsecond=0)  # the EHR's clock has whole seconds
        fresh = await self._fresh(connection_id, now)
        if fresh is None:
            return None
        if fresh.free_times:
            window = (start, end)
            return await self._free_timeslots(
                connection_id, care_unit_id, fresh, pairs, window, now, ends_by_end=ends_by_end, first_only=first_only
            )
        computed = await self._slots_of(connection_id, care_unit_id, fresh.version, now)
        if computed is None:
            return MirrorAnswer([], ZoneInfo("UTC"), fresh.age_seconds)  # nothing there is bookable online
        if not fresh.limits.enabled:
            return MirrorAnswer([], computed.zone, fresh.age_seconds)
        # The same read within the same second of the same mirror version has the same answer: a storm of
        # identical reads (a widget's first page, many visitors) selects, renders and compresses it once.
        key: tuple[object, ...] = (connection_id, care_unit_id, fresh.version, computed.first_day, frozenset(pairs))
        key += (start, end, now, fresh.limits, ends_by_end, first_only)
        kept = self._answers.get(key)
        if kept is not None:
            self._answers.move_to_end(key)
            return dataclasses.replace(kept, age_seconds=fresh.age_seconds)
        answer = select_offered(
            computed,
            set(pairs),
            start,
            end,
            now,
            fresh.limits,
            fresh.age_seconds,
            ends_by_end=ends_by_end,
            first_only=first_only,
        )
        self._answers[key] = answer
        if len(self._answers) > ANSWERS_KEPT:
            self._answers.popitem(last=False)
        return answer

    async def _free_timeslots(
        self,
        connection_id: str,
        care_unit_id: str,
        fresh: _Fresh,
        pairs: Sequence[Pair],
        window: tuple[datetime, datetime],
        now: datetime,
        *,
        ends_by_end: bool,
        first_only: bool,
    ) -> MirrorAnswer | None:
        """From the EHR's own free days: only when the mirror holds every day the read needs (a next-available
        search looks as far as it holds, and goes live when it finds nothing there)."""
        key = (connection_id, care_unit_id)
        async with self._computing[key]:
            held = self._free.get(key)
            if held is None or held.computed.version != fresh.version:
                async with self._store.sessions() as session:
                    rows = await free_days.load_days(session, connection_id, care_unit_id, now.date() - 2 * _ONE_DAY)
                held = FreeSlots.of(fresh.version, rows, now)
                self._free[key] = held
        start, end = window
        wanted = set(pairs)
        covered_to = held.covered_until(wanted, max(start, now))
        if covered_to is None:
            return None
        clipped = covered_to < end
        if clipped:
            if not first_only:
                return None
            end = covered_to
        answer = select_offered(
            held.computed,
            wanted,
            start,
            end,
            now,
            fresh.limits,
            fresh.age_seconds,
            ends_by_end=ends_by_end,
            first_only=first_only,
        )
        return None if clipped and not answer.found else answer

    async def schedule(
        self, connection_id: str, care_unit_id: str, resource_id: str, window: Interval, zone: ZoneInfo
    ) -> tuple[list[Interval], float] | None:
        """A resource's working time in ``window``: weekly hours plus extra hours at the care unit, minus its
        time off anywhere; ``None`` while the mirror cannot answer."""
        fresh = await self._fresh(connection_id, datetime.now(UTC))
        if fresh is None:
            return None
        async with self._store.sessions() as session:
            inputs = await load_inputs(session, connection_id, care_unit_id, [resource_id], window, fresh.limits)
            time_off = await load_time_off(session, connection_id, resource_id, window)
        weekly = inputs.weekly.get(resource_id, {})
        working = working_intervals(weekly, zone, window, extra=inputs.openings.get(resource_id, []))
        return subtract(working, time_off), fresh.age_seconds

    async def next_available(
        self, connection_id: str, care_unit_id: str, pairs: Sequence[Pair], after: datetime
    ) -> tuple[Timeslot | None, float] | None:
        """The earliest slot starting at or after ``after``, up to 13 weeks ahead."""
        now = datetime.now(UTC)
        begin = max(after, now)
        answer = await self.timeslots(
            connection_id,
            care_unit_id,
            pairs,
            begin,
            begin + timedelta(weeks=NEXT_AVAILABLE_WEEKS),
            now=now,
            ends_by_end=False,
            first_only=True,
        )
        if answer is None:
            return None
        return (answer.slots[0] if answer.found else None), answer.age_seconds

    async def _slots_of(
        self, connection_id: str, care_unit_id: str, version: int, now: datetime
    ) -> ComputedSlots | None:
        key = (connection_id, care_unit_id)
        async with self._computing[key]:  # one computation per care unit at a time; the others wait for it
            computed = self._computed.get(key)
            if computed is not None and computed.version == version:
                zone_today = now.astimezone(computed.zone).date()
                if computed.first_day <= zone_today and zone_today + timedelta(
                    days=63
                ) < computed.first_day + timedelta(days=COVER_DAYS):
                    return computed
            computed = await self._compute(connection_id, care_unit_id, version, now, computed)
            if computed is None:
                self._computed.pop(key, None)
            else:
                self._computed[key] = computed
            return computed

    async def _compute(
        self, connection_id: str, care_unit_id: str, version: int, now: datetime, previous: ComputedSlots | None
    ) -> ComputedSlots | None:
        async with self._store.sessions() as session:
            offerings = (
                await session.scalars(
                    select(MirrorOfferingRow).where(
                        MirrorOfferingRow.connection_id == connection_id,
                        MirrorOfferingRow.care_unit_id == care_unit_id,
                    )
                )
            ).all()
            if not offerings:
                return None
            zone = ZoneInfo(offerings[0].time_zone)
            first_day = now.astimezone(zone).date() - _ONE_DAY
            span = Interval(
                to_instant(first_day, time(0), zone), to_instant(first_day + timedelta(days=COVER_DAYS), time(0), zone)
            )
            resources = sorted({o.resource_id for o in offerings})
            inputs = await load_inputs(
                session, connection_id, care_unit_id, resources, span, BookingLimits(True, timedelta(0), timedelta(0))
            )
        reusable = (
            previous.parts if previous is not None and (previous.first_day, previous.zone) == (first_day, zone) else {}
        )
        parts: dict[str, tuple[int, list[MirrorSlot]]] = {}
        for resource_id in resources:
            fingerprint = _fingerprint(inputs, resource_id)
            kept = reusable.get(resource_id)
            if kept is not None and kept[0] == fingerprint:
                parts[resource_id] = kept
            else:
                parts[resource_id] = (fingerprint, _resource_slots(inputs, resource_id, zone, first_day))
        slots = list(heapq.merge(*(part for _, part in parts.values()), key=_order))
        per_day = {
            resource_id: Counter(start.astimezone(zone).date() for start in starts)
            for resource_id, starts in inputs.appointment_starts.items()
        }
        return ComputedSlots.of(version, first_day, zone, slots, parts, per_day)


def select_offered(
    computed: ComputedSlots,
    wanted: set[Pair],
    start: datetime,
    end: datetime,
    now: datetime,
    limits: BookingLimits,
    age_seconds: float,
    *,
    ends_by_end: bool,
    first_only: bool,
) -> MirrorAnswer:
    """The slots of ``computed`` a read may offer: in its window and filters, past the minimum notice and
    within the booking horizon at ``now``."""
    slots, starts = computed.slots, computed.starts
    lo = bisect.bisect_left(starts, max(start, now))
    hi = min(bisect.bisect_left(starts, end), bisect.bisect_right(starts, now + limits.horizon))
    min_notice = limits.min_notice

    def offered(index: int) -> bool:
        slot = slots[index]
        return (
            (slot.resource_id, slot.service_id) in wanted
            and slot.start >= now + max(slot.notice, min_notice)
            and not (ends_by_end and slot.end > end)
        )

    def answer(indexes: list[int]) -> MirrorAnswer:
        return MirrorAnswer(
            [slots[i] for i in indexes],
            computed.zone,
            age_seconds,
            RenderedSlots([computed.jsons[i] for i in indexes]),
        )

    if limits.per_day_segment > 0 or limits.daily_bookings > 0:
        return answer(
            _capped(computed, wanted, start, end, now, limits, ends_by_end=ends_by_end, first_only=first_only)
        )
    if first_only:
        first = next((index for index in range(lo, hi) if offered(index)), None)
        return answer([] if first is None else [first])
    # Only slots near the edges can fail the notice or the window's end: those are checked one by one, the
    # rest is taken as a slice when the read wants every combination there is.
    settled_from = bisect.bisect_left(starts, now + max(computed.longest_notice, min_notice), lo, hi)
    settled_to = (
        bisect.bisect_right(starts, end - computed.longest_duration, settled_from, hi) if ends_by_end else hi
    )
    if not wanted >= computed.pairs or settled_from >= settled_to:
        return answer([index for index in range(lo, hi) if offered(index)])
    head = [index for index in range(lo, settled_from) if offered(index)]
    tail = [index for index in range(settled_to, hi) if offered(index)]
    return MirrorAnswer(
        [slots[i] for i in head] + slots[settled_from:settled_to] + [slots[i] for i in tail],
        computed.zone,
        age_seconds,
        RenderedSlots(
            [computed.jsons[i] for i in head]
            + computed.jsons[settled_from:settled_to]
            + [computed.jsons[i] for i in tail]
        ),
    )


def _capped(
    computed: ComputedSlots,
    wanted: set[Pair],
    start: datetime,
    end: datetime,
    now: datetime,
    limits: BookingLimits,
    *,
    ends_by_end: bool,
    first_only: bool,
) -> list[int]:
    """The offered slots' indexes under the account's daily caps, slot by slot: a cap per day segment counts
    every start the EHR would show that day, also those before ``start``."""
    begin = max(start, now)
    if limits.per_day_segment > 0:
        begin = max(to_instant(begin.astimezone(computed.zone).date(), time(0), computed.zone), now)
    latest = now + limits.horizon
    shown: Counter[tuple[str, str, date, int]] = Counter()
    chosen: list[int] = []
    for index in range(bisect.bisect_left(computed.starts, begin), len(computed.slots)):
        slot = computed.slots[index]
        if slot.start >= end or slot.start > latest:
            break
        if (slot.resource_id, slot.service_id) not in wanted or slot.start < now + max(
            slot.notice, limits.min_notice
        ):
            continue
        if limits.daily_bookings > 0 and (
            computed.appointments_per_day.get(slot.resource_id, Counter())[slot.day] >= limits.daily_bookings
        ):
            continue
        if limits.per_day_segment > 0:
            key = (slot.resource_id, slot.service_id, slot.day, slot.segment)
            if shown[key] >= limits.per_day_segment:
                continue
            shown[key] += 1
        if slot.start < start or (ends_by_end and slot.end > end):
            continue
        chosen.append(index)
        if first_only:
            break
    return chosen


def _order(slot: MirrorSlot) -> tuple[datetime, str, str]:
    return (slot.start, slot.resource_id, slot.service_id)


def _fingerprint(inputs: SlotInputs, resource_id: str) -> int:
    weekly = inputs.weekly.get(resource_id, {})
    return hash(
        (
            tuple(sorted((i.start, i.end) for i in inputs.busy.get(resource_id, ()))),
            tuple(sorted((i.start, i.end) for i in inputs.openings.get(resource_id, ()))),
            tuple(sorted((day, tuple((p.start, p.end) for p in periods)) for day, periods in weekly.items())),
            tuple(
                sorted(
                    (service_id, o.duration_minutes, o.lead_minutes)
                    for (r, service_id), o in inputs.offerings.items()
                    if r == resource_id
                )
            ),
        )
    )


def _resource_slots(inputs: SlotInputs, resource_id: str, zone: ZoneInfo, first_day: date) -> list[MirrorSlot]:
    """Every slot of one resource's offerings, each local day its own window, no notice or horizon applied."""
    days = [first_day + timedelta(days=n) for n in range(COVER_DAYS)]
    windows = [Interval(to_instant(day, time(0), zone), to_instant(day + _ONE_DAY, time(0), zone)) for day in days]
    weekly = inputs.weekly.get(resource_id, {})
    busy_by_day = _by_day(inputs.busy.get(resource_id, ()), zone)
    open_by_day = _by_day(inputs.openings.get(resource_id, ()), zone)
    found: list[tuple[datetime, str, str, datetime, timedelta]] = []
    for (offered_by, service_id), offering in inputs.offerings.items():
        if offered_by != resource_id:
            continue
        duration = timedelta(minutes=offering.duration_minutes)
        notice = timedelta(minutes=offering.lead_minutes)
        for day, window in zip(days, windows, strict=True):
            extra = open_by_day.get(day, [])
            if not weekly.get(day.weekday()) and not extra:
                continue
            working = working_intervals(weekly, zone, window, extra=extra)
            for slot_start in iter_bookable_starts(
                working=working, busy=busy_by_day.get(day, []), duration=duration, now=window.start, window=window
            ):
                found.append((slot_start, resource_id, service_id, slot_start + duration, notice))
    found.sort()
    return [
        MirrorSlot(
            start=start,
            end=end,
            resource_id=resource_id,
            service_id=service_id,
            notice=notice,
            json=Timeslot(
                start=start.astimezone(zone),
                end=end.astimezone(zone),
                resource_id=resource_id,
                healthcare_service_id=service_id,
            )
            .model_dump_json()
            .encode(),
            day=day_segment(start, zone)[0],
            segment=day_segment(start, zone)[1],
        )
        for start, resource_id, service_id, end, notice in found
    ]


def _by_day(intervals: Collection[Interval], zone: ZoneInfo) -> dict[date, list[Interval]]:
    """Each interval under every local day it touches."""
    days: dict[date, list[Interval]] = defaultdict(list)
    for interval in intervals:
        day = interval.start.astimezone(zone).date()
        last = (interval.end - timedelta(microseconds=1)).astimezone(zone).date()
        while day <= last:
            days[day].append(interval)
            day += _ONE_DAY
    return days
