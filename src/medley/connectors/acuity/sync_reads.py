"""What the sync reads from Acuity: bookings and blocks (busy time, and events of changes made in Acuity
directly), and Acuity's own free time (``free_times.py``).

Acuity's API exposes no working hours, overrides or padding rules, so the mirror cannot compute Acuity's free
time: it stores Acuity's answers instead (``FreeTimeSource``), and the reference offered to the mirror has no
offerings, no working hours and no openings (drift sampling has nothing to compare). Acuity has no
last-modified field either (reference §6.2): an incremental read is a read of the whole booking window (a day
back to the horizon), canceled appointments included, and of the blocks in it; the mirror keeps only what
changed, and each change marks the free days it touches for a new read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from medley.connectors.acuity import mapping
from medley.connectors.acuity.client import AcuityClient
from medley.connectors.acuity.free_times import AcuityFreeTimes
from medley.connectors.acuity.practice import PracticeCache
from medley.connectors.acuity.timeslots import AvailabilityCache
from medley.connectors.sync_source import (
    Booking,
    BookingLimits,
    FreeDay,
    FreeOffering,
    Opening,
    Reference,
    WeeklyPeriod,
)

MAX_ROWS = 5000
_PAST = timedelta(days=1)


def booking_from_acuity(record: Mapping[str, Any], care_unit_id: str) -> Booking | None:
    """Busy time of one appointment (ids, times and status only)."""
    start = mapping.parse_datetime(record.get("datetime"))
    appointment_id = mapping.record_id(record)
    calendar_id = mapping.record_id(record, "calendarID")
    if start is None or appointment_id is None or calendar_id is None:
        return None
    status = "booked"
    if record.get("canceled") is True:
        status = "did_not_arrive" if record.get("noShow") is True else "cancelled"
    return Booking(
        kind="appointment",
        booking_id=appointment_id,
        care_unit_id=care_unit_id,
        resource_id=calendar_id,
        service_id=mapping.record_id(record, "appointmentTypeID"),
        patient_id=mapping.patient_id_of(record),
        starts_at=start,
        ends_at=start + timedelta(minutes=mapping.duration_of(record)),
        status=status,
        updated_at=None,
    )


def block_from_acuity(record: Mapping[str, Any], care_unit_id: str) -> Booking | None:
    """A block as time off (ids and times only: its notes are never kept)."""
    start, end = mapping.parse_datetime(record.get("start")), mapping.parse_datetime(record.get("end"))
    block_id, calendar_id = mapping.record_id(record), mapping.record_id(record, "calendarID")
    if start is None or end is None or block_id is None or calendar_id is None or end <= start:
        return None
    return Booking(
        kind="time_off",
        booking_id=block_id,
        care_unit_id=care_unit_id,
        resource_id=calendar_id,
        service_id=None,
        patient_id=None,
        starts_at=start,
        ends_at=end,
        status="booked",
        updated_at=None,
    )


class AcuitySyncReader:
    """``SyncSource`` and ``FreeTimeSource`` over one Acuity account, through the connector's client and budget."""

    def __init__(
        self,
        client: AcuityClient,
        practice: PracticeCache,
        *,
        horizon_days: int,
        cache: AvailabilityCache | None = None,
    ) -> None:
        self._client = client
        self._practice = practice
        self._horizon = timedelta(days=horizon_days)
        self._free = AcuityFreeTimes(client, practice, cache or AvailabilityCache(0))

    async def free_offerings(self) -> list[FreeOffering]:
        return await self._free.free_offerings()

    def booking_window(self, now: datetime) -> tuple[datetime, datetime]:
        return now - _PAST, now + self._horizon

    async def read_free_month(
        self, offerings: Sequence[FreeOffering], month: date, first_day: date, last_day: date
    ) -> list[FreeDay]:
        return await self._free.read_free_month(offerings, month, first_day, last_day)

    async def read_free_days(self, wanted: Sequence[tuple[FreeOffering, date]]) -> list[FreeDay]:
        return await self._free.read_free_days(wanted)

    async def budget_headroom(self) -> int:
        return await self._free.budget_headroom()

    async def read_reference(self) -> Reference:
        practice = await self._practice.get()
        document = {"acuity": {"care_unit_id": practice.care_unit_id}}
        return Reference(document=document, offerings=[], limits=BookingLimits(True, timedelta(0), self._horizon))

    async def read_working_hours(self) -> list[WeeklyPeriod]:
        return []

    async def read_openings(self, *, changed_since: datetime | None, not_before: datetime) -> list[Opening]:
        return []

    async def sample_available_times(
        self, care_unit_id: str, resource_id: str, service_id: str, first_day: date, last_day: date
    ) -> list[datetime] | None:
        return None

    async def read_bookings(self, *, changed_since: datetime | None, start: datetime, end: datetime) -> list[Booking]:
        practice = await self._practice.get()
        if changed_since is not None:
            start, end = self.booking_window(datetime.now(UTC))
        business = mapping.zone(practice.account.get("timezone"))
        params = [
            ("minDate", (start.astimezone(business).date() - timedelta(days=1)).isoformat()),
            ("maxDate", (end.astimezone(business).date() + timedelta(days=1)).isoformat()),
            ("showall", "true"),
            ("max", str(MAX_ROWS)),
            ("direction", "ASC"),
            ("excludeForms", "true"),
        ]
        block_params = [p for p in params if p[0] in ("minDate", "maxDate", "max")]
        appointments, blocks = await asyncio.gather(
            self._client.get_list("/appointments", params), self._client.get_list("/blocks", block_params)
        )
        bookings = [booking_from_acuity(r, practice.care_unit_id) for r in appointments]
        bookings += [block_from_acuity(r, practice.care_unit_id) for r in blocks]
        return [b for b in bookings if b is not None and b.starts_at < end and b.ends_at > start]
