"""What the sync reads from Acuity: bookings only, so that changes made in Acuity directly become events.

Acuity's API exposes no working hours, overrides or padding rules, so the mirror cannot compute Acuity's free
time (timeslots are read live, ``timeslots.py``): the reference offered to the mirror has no offerings, no
working hours and no openings, and drift sampling has nothing to compare. Acuity has no last-modified field
either (reference §6.2): an incremental read is a read of the whole booking window (a day back to the
horizon), canceled appointments included; the mirror keeps only what changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from medley.connectors.acuity import mapping
from medley.connectors.acuity.client import AcuityClient
from medley.connectors.acuity.practice import PracticeCache
from medley.connectors.sync_source import Booking, BookingLimits, Opening, Reference, WeeklyPeriod

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


class AcuitySyncReader:
    """``SyncSource`` over one Acuity account, through the connector's client and budget."""

    def __init__(self, client: AcuityClient, practice: PracticeCache, *, horizon_days: int) -> None:
        self._client = client
        self._practice = practice
        self._horizon = timedelta(days=horizon_days)

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
            now = datetime.now(UTC)
            start, end = now - _PAST, now + self._horizon
        business = mapping.zone(practice.account.get("timezone"))
        params = [
            ("minDate", (start.astimezone(business).date() - timedelta(days=1)).isoformat()),
            ("maxDate", (end.astimezone(business).date() + timedelta(days=1)).isoformat()),
            ("showall", "true"),
            ("max", str(MAX_ROWS)),
            ("direction", "ASC"),
            ("excludeForms", "true"),
        ]
        bookings = [
            booking_from_acuity(r, practice.care_unit_id) for r in await self._client.get_list("/appointments", params)
        ]
        return [b for b in bookings if b is not None and b.starts_at < end and b.ends_at > start]
