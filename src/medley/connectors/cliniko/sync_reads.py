"""What the scheduling mirror reads from Cliniko, through the connector's client (same pagination, retries
and request budget as every other call), mapped to the neutral records of ``connectors.sync_source``.

* Reference data: the practice snapshot of ``reference.py``, the (business, practitioner, appointment type)
  combinations online booking serves (all three shown in online bookings, as Cliniko's own
  ``available_times`` requires), and the account's online-booking limits (``GET /settings/public``).
* Weekly hours: every ``daily_availabilities`` record (a handful per practitioner).
* Extra availability: ``availability_blocks``, by ``updated_at`` when a watermark is known.
* Busy time: ``/bookings``, which lists individual and group appointments and unavailable blocks in one
  list. Incremental reads ask for ``updated_at`` after the watermark with ``cancelled_at:*`` and
  ``archived_at:*`` (Cliniko hides those otherwise), so a cancellation or a deletion frees its time.

Patients are never read: a booking keeps its patient's id, nothing else of them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from medley.connectors.cliniko import mapping
from medley.connectors.cliniko.availability import weekly_hours
from medley.connectors.cliniko.client import ClinikoClient, JsonObject, QueryParams
from medley.connectors.cliniko.errors import ClinikoNotFound
from medley.connectors.cliniko.reference import Practice, load_practice, practice_to_json
from medley.connectors.cliniko.timeslots import available_times
from medley.connectors.sync_source import Booking, BookingLimits, Offering, Opening, Reference, WeeklyPeriod
from medley.domain.errors import ErrorCode, MedleyError

DEFAULT_LIMITS = BookingLimits(enabled=True, min_notice=timedelta(0), horizon=timedelta(days=182))


class ClinikoSyncReader:
    """The ``SyncSource`` of one Cliniko account."""

    def __init__(self, client: ClinikoClient) -> None:
        self._client = client

    async def read_reference(self) -> Reference:
        practice = await load_practice(self._client)
        limits = await self._limits()
        return Reference(document=json.loads(practice_to_json(practice)), offerings=offerings(practice), limits=limits)

    async def _limits(self) -> BookingLimits:
        try:
            settings = await self._client.get("/settings/public")
        except ClinikoNotFound:
            return DEFAULT_LIMITS
        except MedleyError as error:
            if error.code in (ErrorCode.UNAUTHORIZED, ErrorCode.BAD_REQUEST):
                return DEFAULT_LIMITS  # a key that may not read settings: Cliniko's defaults
            raise
        return booking_limits(settings.get("online_bookings"))

    async def read_working_hours(self) -> list[WeeklyPeriod]:
        records = await self._client.get_all("/daily_availabilities", "daily_availabilities")
        groups: dict[tuple[str, str], list[JsonObject]] = defaultdict(list)
        for record in records:
            business_id = mapping.linked_id(record, "business")
            practitioner_id = mapping.linked_id(record, "practitioner")
            if business_id is not None and practitioner_id is not None:
                groups[(business_id, practitioner_id)].append(record)
        periods: list[WeeklyPeriod] = []
        for (business_id, practitioner_id), group in sorted(groups.items()):
            weekly = weekly_hours(group, business_id=business_id, practitioner_id=practitioner_id)
            for weekday, day_periods in sorted(weekly.items()):
                for period in day_periods:
                    periods.append(
                        WeeklyPeriod(
                            source_id=f"{business_id}:{practitioner_id}",
                            care_unit_id=business_id,
                            resource_id=practitioner_id,
                            weekday=weekday,
                            starts=period.start.strftime("%H:%M"),
                            ends=period.end.strftime("%H:%M"),
                        )
                    )
        return periods

    async def working_hours_changed(self, since: datetime) -> bool:
        """Whether any weekly hours record changed since ``since`` (one small read)."""
        page = await self._client.get(
            "/daily_availabilities", [("q[]", f"updated_at:>{mapping.format_instant(since)}"), ("per_page", "1")]
        )
        items = page.get("daily_availabilities")
        return isinstance(items, list) and bool(items)

    async def read_openings(self, *, changed_since: datetime | None, not_before: datetime) -> list[Opening]:
        # Cliniko documents no filters for availability blocks: filter when it accepts them, else read all
        # (a small list) and keep what is asked for here.
        filters: QueryParams = [("q[]", f"ends_at:>{mapping.format_instant(not_before)}")]
        if changed_since is not None:
            filters = [("q[]", f"updated_at:>{mapping.format_instant(changed_since)}")]
        try:
            records = await self._client.get_all("/availability_blocks", "availability_blocks", filters)
        except ClinikoNotFound:
            return []
        except MedleyError as error:
            if error.code != ErrorCode.BAD_REQUEST:
                raise
            records = await self._client.get_all("/availability_blocks", "availability_blocks")
        found = [opening for record in records if (opening := _opening(record)) is not None]
        if changed_since is not None:
            return [o for o in found if o.updated_at is None or o.updated_at > changed_since]
        return [o for o in found if o.ends_at > not_before]

    async def sample_available_times(
        self, care_unit_id: str, resource_id: str, service_id: str, first_day: date, last_day: date
    ) -> list[datetime] | None:
        return await available_times(self._client, care_unit_id, (resource_id, service_id), (first_day, last_day))

    async def read_bookings(self, *, changed_since: datetime | None, start: datetime, end: datetime) -> list[Booking]:
        if changed_since is not None:
            filters: QueryParams = [
                ("q[]", f"updated_at:>{mapping.format_instant(changed_since)}"),
                ("q[]", "cancelled_at:*"),
                ("q[]", "archived_at:*"),
            ]
        else:
            filters = [
                ("q[]", f"ends_at:>{mapping.format_instant(start)}"),
                ("q[]", f"starts_at:<{mapping.format_instant(end)}"),
            ]
        records = await self._client.get_all("/bookings", "bookings", filters)
        return [booking for record in records if (booking := booking_from_cliniko(record)) is not None]


def offerings(practice: Practice) -> list[Offering]:
    """The combinations Cliniko's ``available_times`` answers for (it is 404 for the others)."""
    found: list[Offering] = []
    for business_id, business in practice.businesses.items():
        if business.get("show_in_online_bookings") is not True:
            continue
        zone = mapping.zone_of(business).key
        for practitioner_id in practice.practitioners_at.get(business_id, ()):
            if practice.practitioners[practitioner_id].get("show_in_online_bookings") is not True:
                continue
            for type_id in practice.service_ids(business_id):
                kind = practice.appointment_types[type_id]
                if type_id not in practice.types_of.get(practitioner_id, frozenset()):
                    continue
                if kind.get("show_in_online_bookings") is not True:
                    continue
                minutes = practice.duration_minutes(type_id)
                if minutes <= 0:
                    continue
                lead_hours = kind.get("online_bookings_lead_time_hours")
                lead = int(lead_hours) * 60 if isinstance(lead_hours, int) and lead_hours > 0 else 0
                found.append(Offering(business_id, practitioner_id, type_id, zone, minutes, lead))
    return found


def booking_limits(online: Any) -> BookingLimits:
    if not isinstance(online, Mapping):
        return DEFAULT_LIMITS
    notice = _number(online.get("min_hours_advance_required_to_book"), 0)
    horizon = _number(online.get("allow_bookings_days_in_advance"), 182)
    return BookingLimits(
        enabled=online.get("enabled", True) is not False,
        min_notice=timedelta(hours=notice),
        horizon=timedelta(days=horizon),
        per_day_segment=int(_number(online.get("max_appointments_per_day_segment"), 0)),
        daily_bookings=int(_number(online.get("daily_bookings_limit"), 0)),
    )


def _number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value)


def _opening(record: Mapping[str, Any]) -> Opening | None:
    practitioner_id = mapping.linked_id(record, "practitioner")
    starts_at = mapping.parse_instant(record.get("starts_at"))
    ends_at = mapping.parse_instant(record.get("ends_at"))
    if practitioner_id is None or starts_at is None or ends_at is None:
        return None
    return Opening(
        opening_id=mapping.record_id(record),
        care_unit_id=mapping.linked_id(record, "business"),
        resource_id=practitioner_id,
        starts_at=starts_at,
        ends_at=ends_at,
        active=mapping.text(record.get("archived_at")) is None and ends_at > starts_at,
        updated_at=mapping.parse_instant(record.get("updated_at")),
    )


def booking_kind(record: Mapping[str, Any]) -> str:
    """``/bookings`` mixes kinds, each in its own shape (their ``self`` links all say ``/bookings/{id}``): an
    individual appointment has a ``patient``, a group appointment ``patient_ids`` and ``max_attendees``,
    time off neither."""
    if isinstance(record.get("patient"), Mapping):
        return "appointment"
    if "patient_ids" in record or "max_attendees" in record:
        return "group_appointment"
    return "time_off"


def booking_status(record: Mapping[str, Any]) -> str:
    """The status of a booking as the mirror keeps it (independent of the clock, unlike the API's)."""
    if mapping.text(record.get("archived_at")) or mapping.text(record.get("deleted_at")):
        return "archived"
    if mapping.text(record.get("cancelled_at")):
        return "cancelled"
    if record.get("did_not_arrive") is True:
        return "did_not_arrive"
    return "booked"


def booking_from_cliniko(record: Mapping[str, Any]) -> Booking | None:
    """A ``/bookings`` item (or an individual appointment) as busy time; ``None`` when unusable."""
    practitioner_id = mapping.linked_id(record, "practitioner")
    starts_at = mapping.parse_instant(record.get("starts_at"))
    ends_at = mapping.parse_instant(record.get("ends_at"))
    if practitioner_id is None or starts_at is None or ends_at is None:
        return None
    return Booking(
        kind=booking_kind(record),
        booking_id=mapping.record_id(record),
        care_unit_id=mapping.linked_id(record, "business"),
        resource_id=practitioner_id,
        service_id=mapping.linked_id(record, "appointment_type"),
        patient_id=mapping.linked_id(record, "patient"),
        starts_at=starts_at,
        ends_at=ends_at,
        status=booking_status(record),
        updated_at=mapping.parse_instant(record.get("updated_at")),
    )
