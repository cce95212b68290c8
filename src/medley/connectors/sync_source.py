"""What a connector reads for the scheduling mirror (DESIGN §1 part 4), in EHR-neutral records.

A connector that can feed the mirror implements ``SyncSource``; the sync (``medley.sync``) stores what
it returns and computes free time from it. Every record holds ids, times and statuses only: never a
patient's name, contact details or clinical content.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Offering:
    """A care unit, resource and service that online booking serves together."""

    care_unit_id: str
    resource_id: str
    service_id: str
    time_zone: str
    duration_minutes: int
    lead_minutes: int  # the service's own minimum notice


@dataclass(frozen=True, slots=True)
class BookingLimits:
    """Account-wide online-booking rules."""

    enabled: bool
    min_notice: timedelta
    horizon: timedelta
    per_day_segment: int = 0
    """At most this many starts per morning, afternoon and evening of a local day (0: no cap)."""
    daily_bookings: int = 0
    """A resource's local day holding this many appointments offers nothing more (0: no limit)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "min_notice_seconds": self.min_notice.total_seconds(),
            "horizon_seconds": self.horizon.total_seconds(),
            "per_day_segment": self.per_day_segment,
            "daily_bookings": self.daily_bookings,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BookingLimits:
        return cls(
            enabled=bool(data.get("enabled", True)),
            min_notice=timedelta(seconds=float(data.get("min_notice_seconds", 0))),
            horizon=timedelta(seconds=float(data.get("horizon_seconds", 182 * 86400))),
            per_day_segment=int(data.get("per_day_segment", 0) or 0),
            daily_bookings=int(data.get("daily_bookings", 0) or 0),
        )


@dataclass(frozen=True, slots=True)
class Reference:
    """The practice's reference data: the connector's own snapshot (opaque JSON), what it offers, and the
    account's booking limits."""

    document: dict[str, Any]
    offerings: list[Offering]
    limits: BookingLimits


@dataclass(frozen=True, slots=True)
class WeeklyPeriod:
    """A resource's weekly working period at a care unit, wall clock in the care unit's zone."""

    source_id: str
    care_unit_id: str
    resource_id: str
    weekday: int  # Python's: 0 = Monday
    starts: str  # "HH:MM"
    ends: str  # "HH:MM"; "00:00" ends at midnight


@dataclass(frozen=True, slots=True)
class Opening:
    """One-off extra working time of a resource at a care unit."""

    opening_id: str
    care_unit_id: str | None
    resource_id: str
    starts_at: datetime
    ends_at: datetime
    active: bool
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class Booking:
    """Busy time: an appointment (``kind`` appointment or group_appointment) or time off (time_off)."""

    kind: str
    booking_id: str
    care_unit_id: str | None
    resource_id: str
    service_id: str | None
    patient_id: str | None
    starts_at: datetime
    ends_at: datetime
    status: str  # booked, cancelled, did_not_arrive, archived
    updated_at: datetime | None

    @property
    def busy(self) -> bool:
        return self.status not in ("cancelled", "archived", "removed")


class SyncSource(Protocol):
    """The reads the sync makes, through the connector's own client, pagination and budget."""

    async def read_reference(self) -> Reference: ...

    async def read_working_hours(self) -> list[WeeklyPeriod]:
        """Every weekly working period of the account (small: a few rows per resource)."""
        ...

    async def read_openings(self, *, changed_since: datetime | None, not_before: datetime) -> list[Opening]:
        """Extra working time changed since the watermark (all when ``None``) that ends after ``not_before``."""
        ...

    async def sample_available_times(
        self, care_unit_id: str, resource_id: str, service_id: str, first_day: date, last_day: date
    ) -> list[datetime] | None:
        """The EHR's own free starts for one combination and days (its zone); ``None`` when it serves none."""
        ...

    async def read_bookings(self, *, changed_since: datetime | None, start: datetime, end: datetime) -> list[Booking]:
        """With a watermark: every booking changed since, cancelled and archived ones included, wherever it
        lies. Without: the bookings that hold time in [start, end) now (a full reconcile of that window)."""
        ...


class MirrorLink(Protocol):
    """What a connector may ask of its connection's mirror (injected by the composition root)."""

    async def reference_document(self) -> dict[str, Any] | None:
        """The reference snapshot the sync stored, while the mirror is fresh; ``None`` otherwise."""
        ...

    async def bookings_written(self, bookings: list[Booking]) -> None:
        """Our own writes, as the EHR confirmed them. Never raises: the write itself has succeeded."""
        ...

    async def booking_removed(self, kind: str, booking_id: str) -> None:
        """Our own delete (Cliniko archives). Never raises."""
        ...

    async def time_freed(self, bookings: list[Booking]) -> None:
        """Our own move or cancel freed these bookings' (former) times: an EHR that computes its own free time
        is read again there, so the next read shows it. Never raises."""
        ...

    async def free_days_read(self, days: Sequence[FreeDay], read_started: datetime) -> None:
        """What a live read learnt of an EHR's own free days (``FreeTimeSource``), read since ``read_started``.
        Never raises."""
        ...


@dataclass(frozen=True, slots=True)
class FreeOffering:
    """A resource and service whose free time the EHR computes itself (the mirror only stores its answers)."""

    care_unit_id: str
    resource_id: str
    service_id: str
    time_zone: str  # the resource's own: its days are local to it
    duration_minutes: int
    padding_before: int = 0
    padding_after: int = 0
    is_class: bool = False  # free only at scheduled times, while seats are left

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.care_unit_id, self.resource_id, self.service_id)


@dataclass(frozen=True, slots=True)
class FreeDay:
    """What the EHR offered for one offering on one local day: each free start with the seats left."""

    offering: FreeOffering
    day: date
    starts: tuple[tuple[datetime, int], ...]


@runtime_checkable
class FreeTimeSource(Protocol):
    """A ``SyncSource`` of an EHR that exposes its availability but not the rules behind it (Acuity): the mirror
    stores the EHR's own free starts per offering and local day instead of computing them."""

    async def free_offerings(self) -> list[FreeOffering]: ...

    def booking_window(self, now: datetime) -> tuple[datetime, datetime]:
        """The window every incremental ``read_bookings`` reads whole (an EHR without a last-modified field):
        a busy record in it that a read did not return was deleted."""
        ...

    async def read_free_month(
        self, offerings: Sequence[FreeOffering], month: date, first_day: date, last_day: date
    ) -> list[FreeDay]:
        """Every local day of ``month`` in [first_day, last_day] for each offering, empty days included; the
        cheap way to read many days (the EHR says which days have any time first)."""
        ...

    async def read_free_days(self, wanted: Sequence[tuple[FreeOffering, date]]) -> list[FreeDay]:
        """These offering days, one read each."""
        ...

    async def budget_headroom(self) -> int:
        """How many requests the sync could send right now without waiting."""
        ...
