"""The account's reference data (``/me``, ``/calendars``, ``/appointment-types``) as one snapshot, reloaded
when older than ``Settings.reference_cache_seconds``, one reload at a time.

The whole account is one care unit: Acuity has no notion of several clinics in one account (its calendars may
name a location, and each has its own time zone). Its id is the account's own id from ``/me``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from medley.connectors.acuity import mapping
from medley.connectors.acuity.client import AcuityClient
from medley.connectors.admission import acquire_stepping_aside
from medley.domain.errors import DetailCode, MedleyError
from medley.domain.models import CareUnit

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Practice:
    account: JsonObject
    care_unit_id: str
    calendars: dict[str, JsonObject]
    types: dict[str, JsonObject]  # bookable types only
    calendars_of: dict[str, list[str]]  # type id -> the account's calendars that offer it

    def care_unit(self) -> CareUnit:
        locations = {mapping.text(c.get("location")) for c in self.calendars.values()} - {None}
        location = next(iter(locations)) if len(locations) == 1 else None
        return mapping.care_unit_from_account(self.account, self.care_unit_id, location)

    def require_unit(self, care_unit_id: str) -> None:
        if care_unit_id != self.care_unit_id:
            raise MedleyError.not_found("No care unit with this id.", DetailCode.INVALID_CARE_UNIT_ID)

    def calendar(
        self, care_unit_id: str, calendar_id: str, code: DetailCode = DetailCode.INVALID_RESOURCE_ID
    ) -> JsonObject:
        self.require_unit(care_unit_id)
        found = self.calendars.get(calendar_id)
        if found is None:
            raise MedleyError.not_found("No resource with this id at this care unit.", code)
        return found

    def type(self, care_unit_id: str, type_id: str) -> JsonObject:
        self.require_unit(care_unit_id)
        found = self.types.get(type_id)
        if found is None:
            raise MedleyError.not_found(
                "No healthcare service with this id at this care unit.", DetailCode.INVALID_HEALTHCARE_SERVICE_ID
            )
        return found

    def zone_of(self, calendar_id: str) -> ZoneInfo:
        """A calendar's own zone (Acuity's Powerhouse plans give each calendar one), else the account's."""
        calendar = self.calendars.get(calendar_id, {})
        return mapping.zone(calendar.get("timezone"), mapping.zone(self.account.get("timezone")).key)

    def pairs(
        self, care_unit_id: str, calendar_ids: Sequence[str] | None, type_ids: Sequence[str] | None
    ) -> list[tuple[str, str]]:
        """The (calendar, type) pairs a timeslot read covers; a named calendar or type must exist."""
        self.require_unit(care_unit_id)
        for calendar_id in calendar_ids or []:
            self.calendar(care_unit_id, calendar_id)
        for type_id in type_ids or []:
            self.type(care_unit_id, type_id)
        return [
            (calendar_id, type_id)
            for type_id, calendars in sorted(self.calendars_of.items())
            if type_ids is None or type_id in type_ids
            for calendar_id in calendars
            if calendar_ids is None or calendar_id in calendar_ids
        ]


async def load_practice(client: AcuityClient) -> Practice:
    account, calendars, types = await asyncio.gather(
        client.get_object("/me"), client.get_list("/calendars"), client.get_list("/appointment-types")
    )
    by_id = {str(c["id"]): c for c in calendars if mapping.record_id(c) is not None}
    bookable = {str(t["id"]): t for t in types if mapping.record_id(t) is not None and mapping.is_bookable(t)}
    calendars_of = {
        type_id: sorted({str(c) for c in kind.get("calendarIDs") or [] if str(c) in by_id}, key=lambda c: (len(c), c))
        for type_id, kind in bookable.items()
    }
    return Practice(
        account=account,
        care_unit_id=mapping.record_id(account) or "1",
        calendars=by_id,
        types=bookable,
        calendars_of={t: c for t, c in calendars_of.items() if c},
    )


class PracticeCache:
    """The current ``Practice``, reloaded when older than ``ttl_seconds``; concurrent readers share a reload."""

    def __init__(
        self, client: AcuityClient, ttl_seconds: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._clock = clock
        self._practice: Practice | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> Practice:
        if self._practice is not None and self._clock() < self._expires_at:
            return self._practice
        await acquire_stepping_aside(self._lock)  # the holder may be waiting for Acuity, stepped aside
        try:
            if self._practice is not None and self._clock() < self._expires_at:
                return self._practice
            self._practice = await load_practice(self._client)
            self._expires_at = self._clock() + self._ttl
            return self._practice
        finally:
            self._lock.release()


def services_of(practice: Practice, care_unit_id: str) -> list[tuple[JsonObject, list[str]]]:
    practice.require_unit(care_unit_id)
    return [(practice.types[t], cals) for t, cals in sorted(practice.calendars_of.items(), key=lambda i: int(i[0]))]


def calendar_ids(practice: Practice) -> list[str]:
    return sorted(practice.calendars, key=lambda c: (len(c), c))


__all__ = ["Mapping", "Practice", "PracticeCache", "calendar_ids", "load_practice", "services_of"]
