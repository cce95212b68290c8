"""The practice's reference data (businesses, practitioners, appointment types, who offers what).

It changes rarely and every request needs it, so one snapshot is loaded (about 3 + businesses +
practitioners calls, concurrently) and reused for ``Settings.reference_cache_seconds``. Concurrent
callers of a stale cache share one reload instead of stampeding Cliniko.

With ``Settings.redis_url`` the snapshot is also kept in Redis (``SharedPractice``: JSON under
``medley:cliniko:<account>:practice``, expiring with the TTL), so N replicas load it from Cliniko once per
TTL between them rather than N times. Each process still keeps its own copy, but only until the Redis
entry it came from expires; then it reads Redis again. When Redis fails, the process loads from Cliniko
itself, as without Redis.

What counts (the rest is invisible to Medley):

* a care unit is a business that is not archived;
* a resource is an active practitioner listed at that business;
* a healthcare service is an appointment type of that business (``appointment_type_ids``; all types
  when Cliniko does not send the list) that is not archived and is individual (``max_attendees`` 1):
  Medley books individual appointments only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from medley.connectors.admission import acquire_stepping_aside
from medley.connectors.cliniko.client import ClinikoClient, JsonObject
from medley.connectors.cliniko.mapping import linked_id, record_id, text
from medley.connectors.redis_client import REDIS_ERRORS, RedisOutage, redis_client
from medley.domain.errors import DetailCode, MedleyError

logger = logging.getLogger("medley.connectors.cliniko.reference")
# One per process, so an outage logs once a minute however many connectors notice it.
_outage = RedisOutage(logger, "reference cache")


@dataclass(frozen=True, slots=True)
class Practice:
    """One consistent snapshot of a Cliniko account's reference data."""

    businesses: Mapping[str, JsonObject]
    practitioners: Mapping[str, JsonObject]
    appointment_types: Mapping[str, JsonObject]
    practitioners_at: Mapping[str, Sequence[str]]
    types_of: Mapping[str, frozenset[str]]
    practitioner_of_user: Mapping[str, str] = field(default_factory=dict)
    # Unfiltered pairs per care unit, asked by every wide timeslot read: computed once per snapshot.
    _all_pairs: dict[str, list[tuple[str, str]]] = field(default_factory=dict, compare=False, repr=False)

    def business(self, care_unit_id: str) -> JsonObject:
        business = self.businesses.get(care_unit_id)
        if business is None:
            raise MedleyError.not_found("No care unit with this id.", DetailCode.INVALID_CARE_UNIT_ID)
        return business

    def resource_ids(self, care_unit_id: str) -> list[str]:
        self.business(care_unit_id)
        return list(self.practitioners_at.get(care_unit_id, ()))

    def practitioner(
        self, care_unit_id: str, resource_id: str, code: DetailCode = DetailCode.INVALID_RESOURCE_ID
    ) -> JsonObject:
        """A practitioner working at the care unit, else 404 (or 400 for ``INVALID_CREATED_BY_ID``)."""
        if resource_id not in self.resource_ids(care_unit_id):
            detail = "No resource with this id at this care unit."
            if code == DetailCode.INVALID_CREATED_BY_ID:
                raise MedleyError.bad_request(detail, code, path="created_by_id")
            raise MedleyError.not_found(detail, code)
        return self.practitioners[resource_id]

    def service_ids(self, care_unit_id: str) -> list[str]:
        business = self.business(care_unit_id)
        listed = business.get("appointment_type_ids")
        if not isinstance(listed, list):
            return list(self.appointment_types)
        wanted = {str(type_id) for type_id in listed}
        return [type_id for type_id in self.appointment_types if type_id in wanted]

    def appointment_type(self, care_unit_id: str, service_id: str) -> JsonObject:
        if service_id not in self.service_ids(care_unit_id):
            raise MedleyError.not_found(
                "No healthcare service with this id at this care unit.",
                DetailCode.INVALID_HEALTHCARE_SERVICE_ID,
            )
        return self.appointment_types[service_id]

    def offering(self, care_unit_id: str, service_id: str) -> list[str]:
        """Practitioners of the care unit who offer the service."""
        return [p for p in self.resource_ids(care_unit_id) if service_id in self.types_of.get(p, frozenset())]

    def pairs(
        self,
        care_unit_id: str,
        resource_ids: Sequence[str] | None = None,
        service_ids: Sequence[str] | None = None,
    ) -> list[tuple[str, str]]:
        """(practitioner, appointment type) combinations bookable at the care unit, after the filters.

        Every filter id must exist at the care unit (``INVALID_RESOURCE_ID`` /
        ``INVALID_HEALTHCARE_SERVICE_ID``); an empty or ``None`` filter means all.
        """
        if not resource_ids and not service_ids:
            kept = self._all_pairs.get(care_unit_id)
            if kept is None:
                kept = self._all_pairs[care_unit_id] = self._pairs(care_unit_id, None, None)
            return list(kept)
        for resource_id in resource_ids or ():
            self.practitioner(care_unit_id, resource_id)
        for service_id in service_ids or ():
            self.appointment_type(care_unit_id, service_id)
        return self._pairs(care_unit_id, resource_ids, service_ids)

    def _pairs(
        self, care_unit_id: str, resource_ids: Sequence[str] | None, service_ids: Sequence[str] | None
    ) -> list[tuple[str, str]]:
        practitioners = list(dict.fromkeys(resource_ids)) if resource_ids else self.resource_ids(care_unit_id)
        ordered = self.service_ids(care_unit_id)
        services = set(service_ids) if service_ids else set(ordered)
        return [
            (practitioner_id, type_id)
            for practitioner_id in practitioners
            for type_id in ordered
            if type_id in services and type_id in self.types_of.get(practitioner_id, frozenset())
        ]

    def duration_minutes(self, service_id: str) -> int:
        return int(self.appointment_types[service_id].get("duration_in_minutes") or 0)


async def load_practice(client: ClinikoClient) -> Practice:
    businesses, practitioners, appointment_types = await asyncio.gather(
        client.get_all("/businesses", "businesses"),
        client.get_all("/practitioners", "practitioners"),
        client.get_all("/appointment_types", "appointment_types"),
    )
    open_businesses = {record_id(b): b for b in businesses if text(b.get("archived_at")) is None}
    active = {record_id(p): p for p in practitioners if p.get("active") is not False}
    types = {
        record_id(t): t
        for t in appointment_types
        if text(t.get("archived_at")) is None and _is_individual(t.get("max_attendees"))
    }
    staff_lists = await asyncio.gather(
        *(client.get_all(f"/businesses/{b}/practitioners", "practitioners") for b in open_businesses)
    )
    offered_lists = await asyncio.gather(
        *(client.get_all(f"/practitioners/{p}/appointment_types", "appointment_types") for p in active)
    )
    practitioners_at = {
        business_id: [pid for pid in (record_id(p) for p in staff) if pid in active]
        for business_id, staff in zip(open_businesses, staff_lists, strict=True)
    }
    types_of = {
        practitioner_id: frozenset(tid for tid in (record_id(t) for t in offered) if tid in types)
        for practitioner_id, offered in zip(active, offered_lists, strict=True)
    }
    practitioner_of_user = {
        user_id: practitioner_id
        for practitioner_id, record in active.items()
        if (user_id := linked_id(record, "user")) is not None
    }
    return Practice(open_businesses, active, types, practitioners_at, types_of, practitioner_of_user)


def _is_individual(max_attendees: Any) -> bool:
    try:
        return max_attendees is None or int(max_attendees) <= 1
    except (TypeError, ValueError):
        return True


def practice_to_json(practice: Practice) -> str:
    """The snapshot as JSON (sets as sorted lists; every mapping keeps its order, which the API shows)."""
    return json.dumps(
        {
            "businesses": practice.businesses,
            "practitioners": practice.practitioners,
            "appointment_types": practice.appointment_types,
            "practitioners_at": {k: list(v) for k, v in practice.practitioners_at.items()},
            "types_of": {k: sorted(v) for k, v in practice.types_of.items()},
            "practitioner_of_user": practice.practitioner_of_user,
        },
        separators=(",", ":"),
    )


def practice_from_json(raw: str | bytes) -> Practice:
    data = json.loads(raw)
    return Practice(
        businesses=dict(data["businesses"]),
        practitioners=dict(data["practitioners"]),
        appointment_types=dict(data["appointment_types"]),
        practitioners_at={k: list(v) for k, v in data["practitioners_at"].items()},
        types_of={k: frozenset(v) for k, v in data["types_of"].items()},
        practitioner_of_user=dict(data["practitioner_of_user"]),
    )


class SharedPractice:
    """The account's snapshot in Redis, for every replica: ``<namespace>:practice`` with PX = the TTL."""

    def __init__(self, redis_url: str, namespace: str) -> None:
        self._url = redis_url
        self.key = f"{namespace}:practice"

    async def read(self) -> tuple[Practice, float] | None:
        """The stored snapshot and its seconds left to live; ``None`` when absent, unreadable or Redis fails."""
        try:
            async with redis_client(self._url).pipeline(transaction=True) as pipe:
                pipe.get(self.key)
                pipe.pttl(self.key)
                raw, ttl_ms = await pipe.execute()
        except REDIS_ERRORS as error:
            _outage.report(error)
            return None
        if raw is None or int(ttl_ms) <= 0:
            return None
        try:
            return practice_from_json(raw), int(ttl_ms) / 1000
        except (ValueError, TypeError, KeyError, AttributeError):
            return None  # written by another version: load it again and overwrite

    async def write(self, practice: Practice, ttl_seconds: float) -> None:
        try:
            await redis_client(self._url).set(self.key, practice_to_json(practice), px=max(1, int(ttl_seconds * 1000)))
        except REDIS_ERRORS as error:
            _outage.report(error)

    async def delete(self) -> None:
        try:
            await redis_client(self._url).delete(self.key)
        except REDIS_ERRORS as error:
            _outage.report(error)


class ReferenceCache:
    """The current ``Practice``, reloaded when older than ``ttl_seconds``; one reload at a time.

    With ``shared``, a reload first reads the snapshot another replica stored in Redis, and a snapshot
    loaded from Cliniko is stored there; the copy in this process lives only as long as that entry.
    """

    def __init__(
        self,
        client: ClinikoClient,
        ttl_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        shared: SharedPractice | None = None,
        source: Callable[[], Awaitable[dict[str, Any] | None]] | None = None,
    ) -> None:
        """``source``: the snapshot the scheduling mirror holds (``None`` while it is cold or stale), read
        before anything else, so reference data costs no upstream call once the mirror is live."""
        self._client = client
        self._ttl = ttl_seconds
        self._clock = clock
        self._shared = shared if ttl_seconds > 0 else None
        self._source = source
        self._practice: Practice | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    def _current(self) -> Practice | None:
        return self._practice if self._practice is not None and self._clock() < self._expires_at else None

    async def get(self) -> Practice:
        practice = self._current()
        if practice is not None:
            return practice
        await acquire_stepping_aside(self._lock)
        try:
            return await self._load()
        finally:
            self._lock.release()

    async def _load(self) -> Practice:
        # Someone else may have reloaded while we waited for the lock.
        practice = self._current()
        if practice is not None:
            return practice
        mirrored = await self._from_mirror()
        if mirrored is not None:
            self._practice = mirrored
            self._expires_at = self._clock() + self._ttl
            return mirrored
        stored = await self._shared.read() if self._shared is not None else None
        if stored is not None:
            practice, seconds_left = stored
            self._expires_at = self._clock() + min(seconds_left, self._ttl)
        else:
            practice = await load_practice(self._client)
            self._expires_at = self._clock() + self._ttl
            if self._shared is not None:
                await self._shared.write(practice, self._ttl)
        self._practice = practice
        return practice

    async def _from_mirror(self) -> Practice | None:
        if self._source is None:
            return None
        document = await self._source()
        if document is None:
            return None
        try:
            return practice_from_json(json.dumps(document))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None  # stored by another version: read Cliniko

    async def invalidate(self) -> None:
        """Forget the snapshot here and, when shared, in Redis (every replica reloads on its next read)."""
        self._practice = None
        if self._shared is not None:
            await self._shared.delete()
