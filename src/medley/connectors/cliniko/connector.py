"""The Cliniko connector: Medley's ``Connector`` port over Cliniko's API v1, for one API key.

It speaks the domain vocabulary only; ``client.py`` does the HTTP, ``mapping.py`` the field-by-field
translation, ``reference.py`` the cached practice data, ``timeslots.py`` the online-booking fan-out and
``availability.py`` the working hours.

Behaviours worth knowing (documented here because Cliniko and Medley differ):

* Patients, notes and documents belong to the Cliniko account, not to one business: the care unit
  in their paths must exist, and patients are presented with that care unit's id.
* Timeslots come from Cliniko's online-booking engine (``available_times``), fanned out over every
  (practitioner, appointment type) pair in 7-day windows, concurrently. A pair not enabled for online
  bookings answers 404 and is skipped. Upstream answers are remembered for
  ``Settings.timeslot_cache_seconds`` (see ``slot_cache.py``); ``fresh`` bypasses it and our own writes
  clear the practitioners they touch. With ``Settings.redis_url`` that cache and the reference data are
  shared by every replica through Redis (a booking through one replica is seen by all at once).
* Writes are never duplicated: when Cliniko does not confirm a write (``UnknownOutcome``) the
  connector looks for its effect before giving up, and gives up with that same error.
* Notes are created as drafts (unsigned). Cliniko records the API key's practitioner as the author:
  ``created_by_id`` is checked (a practitioner of the care unit) but cannot be written.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Concatenate, ParamSpec, TypeVar

from medley.config import Settings
from medley.connectors.base import BookingGuard, Capabilities, Operation
from medley.connectors.checks import require_aware
from medley.connectors.cliniko import mapping
from medley.connectors.cliniko.availability import block_intervals, weekly_hours
from medley.connectors.cliniko.client import ClinikoClient, JsonObject, QueryParams
from medley.connectors.cliniko.errors import ClinikoNotFound, UnknownOutcome
from medley.connectors.cliniko.fanout import gather_all
from medley.connectors.cliniko.reference import Practice, ReferenceCache, SharedPractice
from medley.connectors.cliniko.slot_cache import RedisSlotCache, SlotCache, SlotMemory
from medley.connectors.cliniko.sync_reads import ClinikoSyncReader, booking_from_cliniko
from medley.connectors.cliniko.timeslots import find_next, find_timeslots
from medley.connectors.lanes import request_deadline
from medley.connectors.reconcile import look_again
from medley.connectors.sync_source import MirrorLink
from medley.connectors.upstream import Reply
from medley.domain.errors import DetailCode, ErrorCode, ErrorDetail, MedleyError
from medley.domain.models import (
    Appointment,
    AppointmentChange,
    AppointmentQuery,
    CareUnit,
    Document,
    DocumentFile,
    HealthcareService,
    MedicalNote,
    NewAppointment,
    NewDocument,
    NewMedicalNote,
    Patient,
    PatientCreate,
    PatientQuery,
    PatientUpdate,
    Resource,
    ScheduleBlock,
    Timeslot,
)
from medley.scheduling import Interval, subtract, working_intervals

logger = logging.getLogger("medley.connectors.cliniko")

_P = ParamSpec("_P")
_Touched = set[str]  # practitioner ids whose availability a write changed
_EVERYONE = "*"  # in a _Touched set: the write's practitioner is unknown, forget the whole account
_R = TypeVar("_R")
T = TypeVar("T")

CODE = "cliniko"
NAME = "Cliniko"
NATIVE_TEMPLATE_IDS = "cliniko_template_id"
APPOINTMENT_STATUSES = ["booked", "completed", "cancelled", "did_not_arrive"]
CANCELLATION_REASON_OTHER = 50
MAX_LISTED_RECORDS = 5000
MAX_DESCRIPTION_CHARS = 255
CLINIKO_MAX_FILE_BYTES = 25 * 1024 * 1024
_CLOCK_SKEW = timedelta(minutes=2)
PROCESSING_WAITS = (0.5, 1.0, 1.5, 2.0)
"""Pauses before reading again an attachment Cliniko is still processing (it takes seconds): a document
uploaded and read back at once is served, unless the request's deadline leaves no room to wait."""
_PROCESSING_MARGIN_SECONDS = 5.0
"""Deadline time kept for the download itself after the last wait."""
_ID = re.compile(r"^\d{1,20}$")
_S3_KEY = re.compile(r"<Key>([^<]+)</Key>")


def cliniko_capabilities(settings: Settings) -> Capabilities:
    """What this connector supports, independent of any one account."""
    return Capabilities(
        emr=CODE,
        name=NAME,
        operations=list(Operation),
        patient_id_types=["emr_id"],
        resource_id_types=["emr_id"],
        note_templates=[mapping.UNSTRUCTURED_TEMPLATE, NATIVE_TEMPLATE_IDS],
        max_document_bytes=min(settings.document_max_bytes, CLINIKO_MAX_FILE_BYTES),
        max_timeslot_window_days=settings.timeslot_max_days,
        appointment_statuses=list(APPOINTMENT_STATUSES),
        timeslot_source="mirror",
        upstream_days_per_availability_call=7,
        seats=False,
        booking_guard=BookingGuard.gateway,
        patient_upsert_key=["external_id", "first_name+last_name+birth_date"],
    )


def _clears_slot_cache(
    method: Callable[Concatenate[ClinikoConnector, _Touched, _P], Coroutine[Any, Any, _R]],
) -> Callable[Concatenate[ClinikoConnector, _P], Coroutine[Any, Any, _R]]:
    """Our own appointment writes change availability: forget the remembered slots of the practitioners the
    write touched, whatever the outcome. The method adds them to the set it is given as soon as they are
    known and before it writes (``_EVERYONE`` when it cannot know them); nothing added: nothing written."""

    async def wrapper(self: ClinikoConnector, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        touched: _Touched = set()
        try:
            return await method(self, touched, *args, **kwargs)
        finally:
            if touched:
                await self._slots.forget(None if _EVERYONE in touched else touched)

    return wrapper


class ClinikoConnector:
    """One Cliniko account, reached with one API key."""

    code = CODE

    def __init__(
        self,
        client: ClinikoClient,
        *,
        settings: Settings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        reconcile_delays: Sequence[float] = (0.0, 1.0, 2.0),
        cache_namespace: str | None = None,
        mirror: MirrorLink | None = None,
    ) -> None:
        """``cache_namespace`` (``registry.cache_namespace``) with ``Settings.redis_url``: the slot and
        reference caches live in Redis under it, shared by every replica; else in this process."""
        self._client = client
        self._capabilities: Capabilities | None = None
        self._settings = settings
        self._now = clock
        local_slots = SlotCache(settings.timeslot_cache_seconds)
        self._slots: SlotMemory = local_slots
        shared: SharedPractice | None = None
        if settings.redis_url and cache_namespace:
            self._slots = RedisSlotCache(
                settings.redis_url, cache_namespace, settings.timeslot_cache_seconds, fallback=local_slots
            )
            shared = SharedPractice(settings.redis_url, cache_namespace)
        self._mirror = mirror
        self._care_units: tuple[Practice, dict[str, CareUnit], list[CareUnit]] | None = None
        self._reference = ReferenceCache(
            client,
            settings.reference_cache_seconds,
            shared=shared,
            source=mirror.reference_document if mirror is not None else None,
        )
        self._reconcile_delays = tuple(reconcile_delays)

    @property
    def base_url(self) -> str:
        """The Cliniko API this connector talks to (for diagnostics; never includes the key)."""
        return self._client.base_url

    def capabilities(self) -> Capabilities:
        # Asked on every request (the gateway refuses what the matrix lacks): built once per connector.
        if self._capabilities is None:
            self._capabilities = cliniko_capabilities(self._settings)
        return self._capabilities

    async def aclose(self) -> None:
        await self._client.aclose()

    # ---- the scheduling mirror -----------------------------------------------------------------

    def budget_usage(self) -> dict[str, int]:
        return self._client.budget_usage()

    def sync_source(self) -> ClinikoSyncReader:
        """What the mirror's sync reads, through this connector's client and budget."""
        return ClinikoSyncReader(self._client)

    async def bookable_pairs(
        self, care_unit_id: str, resource_ids: Sequence[str] | None, service_ids: Sequence[str] | None
    ) -> list[tuple[str, str]]:
        """The (resource, service) pairs a timeslot read covers, after the same checks as a live read."""
        return (await self._reference.get()).pairs(care_unit_id, resource_ids, service_ids)

    async def _observe(self, record: JsonObject | None) -> None:
        """Our own confirmed write goes to the mirror at once, so the next read of any replica shows it."""
        if self._mirror is None or record is None:
            return
        booking = booking_from_cliniko(record)
        if booking is not None:
            await self._mirror.bookings_written([booking])

    async def _observe_removed(self, appointment_id: str) -> None:
        if self._mirror is not None:
            await self._mirror.booking_removed("appointment", appointment_id)

    # ---- reference data ------------------------------------------------------------------------

    async def _mapped_care_units(self) -> tuple[Practice, dict[str, CareUnit], list[CareUnit]]:
        practice = await self._reference.get()
        # Mapped once per snapshot: the read every client makes first, and every timeslot read names one. The
        # list is the same object for the whole snapshot, so its JSON is rendered once too (``api.rendered``).
        mapped = self._care_units
        if mapped is None or mapped[0] is not practice:
            units = [mapping.care_unit_from_business(b) for b in practice.businesses.values()]
            mapped = self._care_units = (practice, {unit.id: unit for unit in units}, units)
        return mapped

    async def list_care_units(self) -> list[CareUnit]:
        return (await self._mapped_care_units())[2]

    async def get_care_unit(self, care_unit_id: str) -> CareUnit:
        practice, units, _ = await self._mapped_care_units()
        if care_unit_id not in units:
            practice.business(care_unit_id)  # the usual 404: every business of this snapshot is mapped
        return units[care_unit_id]

    async def list_resources(self, care_unit_id: str) -> list[Resource]:
        practice = await self._reference.get()
        return [
            mapping.resource_from_practitioner(practice.practitioners[p]) for p in practice.resource_ids(care_unit_id)
        ]

    async def get_resource(self, care_unit_id: str, resource_id: str) -> Resource:
        practice = await self._reference.get()
        return mapping.resource_from_practitioner(practice.practitioner(care_unit_id, resource_id))

    async def list_services(self, care_unit_id: str) -> list[HealthcareService]:
        practice = await self._reference.get()
        return [
            mapping.service_from_appointment_type(
                practice.appointment_types[type_id], practice.offering(care_unit_id, type_id)
            )
            for type_id in practice.service_ids(care_unit_id)
        ]

    async def get_schedule(
        self, care_unit_id: str, resource_id: str, start: datetime, end: datetime
    ) -> list[ScheduleBlock]:
        """Working time: weekly hours + availability blocks − unavailable blocks (at any business)."""
        require_aware(start, end)
        practice = await self._reference.get()
        business = practice.business(care_unit_id)
        practice.practitioner(care_unit_id, resource_id)
        if end <= start:
            return []
        tz = mapping.zone_of(business)
        window = Interval(start, end)
        daily, extra, away = await gather_all(
            [
                self._client.get_all(
                    "/daily_availabilities",
                    "daily_availabilities",
                    [("q[]", f"business_id:={care_unit_id}"), ("q[]", f"practitioner_id:={resource_id}")],
                ),
                self._availability_blocks(care_unit_id, resource_id, start, end),
                self._client.get_all(
                    "/unavailable_blocks",
                    "unavailable_blocks",
                    [
                        ("q[]", f"practitioner_id:={resource_id}"),
                        ("q[]", f"starts_at:<{mapping.format_instant(end)}"),
                        ("q[]", f"ends_at:>{mapping.format_instant(start)}"),
                    ],
                ),
            ]
        )
        weekly = weekly_hours(daily, business_id=care_unit_id, practitioner_id=resource_id)
        added = block_intervals(extra, practitioner_id=resource_id, business_id=care_unit_id, window=window)
        removed = block_intervals(away, practitioner_id=resource_id, window=window)
        working = subtract(working_intervals(weekly, tz, window, extra=added), removed)
        return [ScheduleBlock(start=i.start.astimezone(tz), end=i.end.astimezone(tz)) for i in working]

    async def _availability_blocks(
        self, care_unit_id: str, resource_id: str, start: datetime, end: datetime
    ) -> list[JsonObject]:
        # Cliniko documents no filter list for availability_blocks: filter when it can, else read all
        # (the blocks are filtered again on our side either way).
        filters: QueryParams = [
            ("q[]", f"business_id:={care_unit_id}"),
            ("q[]", f"practitioner_id:={resource_id}"),
            ("q[]", f"starts_at:<{mapping.format_instant(end)}"),
            ("q[]", f"ends_at:>{mapping.format_instant(start)}"),
        ]
        try:
            return await self._client.get_all("/availability_blocks", "availability_blocks", filters)
        except ClinikoNotFound:
            return []
        except MedleyError as error:
            if error.code != ErrorCode.BAD_REQUEST:
                raise
        return await self._client.get_all("/availability_blocks", "availability_blocks")

    # ---- timeslots -----------------------------------------------------------------------------

    async def list_timeslots(
        self,
        care_unit_id: str,
        start: datetime,
        end: datetime,
        resource_ids: Sequence[str] | None = None,
        service_ids: Sequence[str] | None = None,
        fresh: bool = False,
    ) -> list[Timeslot]:
        """Free slots from Cliniko's online-booking engine; ``fresh`` skips the short-lived cache."""
        require_aware(start, end)
        practice = await self._reference.get()
        return await find_timeslots(
            self._client,
            practice,
            care_unit_id,
            start,
            end,
            now=self._now(),
            resource_ids=resource_ids,
            service_ids=service_ids,
            cache=self._slots,
            fresh=fresh,
        )

    async def next_available(
        self,
        care_unit_id: str,
        after: datetime,
        resource_ids: Sequence[str] | None = None,
        service_ids: Sequence[str] | None = None,
    ) -> Timeslot | None:
        """The earliest slot starting at or after ``after``, looking up to 13 weeks ahead."""
        require_aware(after)
        practice = await self._reference.get()
        return await find_next(
            self._client,
            practice,
            care_unit_id,
            after,
            now=self._now(),
            resource_ids=resource_ids,
            service_ids=service_ids,
        )

    # ---- patients ------------------------------------------------------------------------------

    async def search_patients(self, care_unit_id: str, query: PatientQuery) -> list[Patient]:
        """Exact but case-insensitive matches. Names and email are narrowed upstream with Cliniko's
        "contains" operator (``~``, case-insensitive) and compared exactly here, as is the phone."""
        (await self._reference.get()).business(care_unit_id)
        filters: list[tuple[str, str]] = []
        exact: list[tuple[str, str]] = []
        for field, value in (("first_name", query.first_name), ("last_name", query.last_name), ("email", query.email)):
            if value is not None and value.strip():
                filters.append(("q[]", f"{field}:~{value.strip()}"))
                exact.append((field, value.strip().casefold()))
        for field, value in (
            ("date_of_birth", query.birth_date.isoformat() if query.birth_date else None),
            ("old_reference_id", query.external_id),
        ):
            if value is not None and value.strip():
                filters.append(("q[]", f"{field}:={value.strip()}"))
        if query.ids is not None:
            # One read for many patients (Cliniko's id:=1,2,3); an id Cliniko could not hold matches nothing.
            wanted = sorted({i for i in query.ids if _ID.match(i)})
            if not wanted:
                return []
            filters.append(("q[]", f"id:={','.join(wanted)}"))
        patients: list[Patient] = []
        scanned = 0
        async for record in self._client.iter_all("/patients", "patients", filters):
            scanned += 1
            if scanned > MAX_LISTED_RECORDS:
                raise _too_many("patients", "a name, birth date, email or external id")
            if any(str(record.get(field) or "").strip().casefold() != value for field, value in exact):
                continue
            if query.phone and not mapping.phone_matches(query.phone, record):
                continue
            patients.append(mapping.patient_from_cliniko(record, care_unit_id))
        return patients

    async def get_patient(self, care_unit_id: str, patient_id: str) -> Patient:
        (await self._reference.get()).business(care_unit_id)
        return mapping.patient_from_cliniko(await self._patient_record(patient_id), care_unit_id)

    async def create_patient(self, care_unit_id: str, patient: PatientCreate) -> Patient:
        (await self._reference.get()).business(care_unit_id)
        sent_at = self._now()
        try:
            record = await self._client.post("/patients", mapping.patient_to_cliniko(patient))
        except UnknownOutcome as unknown:
            record = await self._look_again(lambda: self._find_created_patient(patient, sent_at), unknown)
        return mapping.patient_from_cliniko(record, care_unit_id)

    async def update_patient(self, care_unit_id: str, patient_id: str, changes: PatientUpdate) -> Patient:
        (await self._reference.get()).business(care_unit_id)
        current = await self._patient_record(patient_id)
        body = mapping.patient_update_to_cliniko(changes, current)
        # A PATCH of the same values is harmless to repeat, so an unknown outcome is the caller's to retry.
        record = await self._client.patch(f"/patients/{patient_id}", body) if body else current
        return mapping.patient_from_cliniko(record or await self._patient_record(patient_id), care_unit_id)

    async def _patient_record(self, patient_id: str) -> JsonObject:
        _require_id(patient_id, DetailCode.INVALID_PATIENT_ID, "patient")
        try:
            return await self._client.get(f"/patients/{patient_id}")
        except ClinikoNotFound:
            raise MedleyError.not_found("No patient with this id.", DetailCode.INVALID_PATIENT_ID) from None

    async def _find_created_patient(self, patient: PatientCreate, sent_at: datetime) -> JsonObject | None:
        filters = [
            ("q[]", f"first_name:={patient.first_name}"),
            ("q[]", f"last_name:={patient.last_name}"),
            ("q[]", f"created_at:>={mapping.format_instant(sent_at - _CLOCK_SKEW)}"),
        ]
        if patient.birth_date is not None:
            filters.append(("q[]", f"date_of_birth:={patient.birth_date.isoformat()}"))
        if patient.external_id:
            filters.append(("q[]", f"old_reference_id:={patient.external_id}"))
        matches = await self._client.get_all("/patients", "patients", filters)
        # Two fresh records of the same person cannot be told apart safely: then it stays unknown.
        return matches[0] if len(matches) == 1 else None

    # ---- appointments --------------------------------------------------------------------------

    async def list_appointments(self, care_unit_id: str, query: AppointmentQuery) -> list[Appointment]:
        practice = await self._reference.get()
        tz = mapping.zone_of(practice.business(care_unit_id))
        filters: list[tuple[str, str]] = [("q[]", f"business_id:={care_unit_id}"), ("q[]", "cancelled_at:*")]
        for field, value in (("patient_id", query.patient_id), ("practitioner_id", query.resource_id)):
            if value is not None:
                if not _ID.match(value):
                    return []  # no Cliniko record has such an id
                filters.append(("q[]", f"{field}:={value}"))
        if query.start is not None:
            require_aware(query.start)
            filters.append(("q[]", f"ends_at:>{mapping.format_instant(query.start)}"))
        if query.end is not None:
            require_aware(query.end)
            filters.append(("q[]", f"starts_at:<{mapping.format_instant(query.end)}"))
        now = self._now()
        appointments: list[Appointment] = []
        scanned = 0
        async for record in self._client.iter_all("/individual_appointments", "individual_appointments", filters):
            scanned += 1
            if scanned > MAX_LISTED_RECORDS:
                raise _too_many("appointments", "start and end, a patient or a resource")
            appointment = mapping.appointment_from_cliniko(record, care_unit_id, tz, now)
            if query.status is None or appointment.status == query.status:
                appointments.append(appointment)
        return sorted(appointments, key=lambda a: (a.start, a.id))

    async def get_appointment(self, care_unit_id: str, appointment_id: str) -> Appointment:
        practice = await self._reference.get()
        tz = mapping.zone_of(practice.business(care_unit_id))
        record = await self._appointment_record(care_unit_id, appointment_id)
        return mapping.appointment_from_cliniko(record, care_unit_id, tz, self._now())

    @_clears_slot_cache
    async def create_appointment(self, touched: _Touched, care_unit_id: str, booking: NewAppointment) -> Appointment:
        touched.add(booking.resource_id)
        practice = await self._reference.get()
        tz = mapping.zone_of(practice.business(care_unit_id))
        practice.practitioner(care_unit_id, booking.resource_id)
        practice.appointment_type(care_unit_id, booking.healthcare_service_id)
        if booking.healthcare_service_id not in practice.types_of.get(booking.resource_id, frozenset()):
            raise MedleyError.not_found(
                "This resource does not offer this healthcare service.",
                DetailCode.INVALID_HEALTHCARE_SERVICE_ID,
            )
        _require_id(booking.patient_id, DetailCode.INVALID_PATIENT_ID, "patient")
        try:
            record = await self._client.post(
                "/individual_appointments", mapping.appointment_to_cliniko(care_unit_id, booking)
            )
        except UnknownOutcome as unknown:
            record = await self._look_again(lambda: self._find_created_appointment(care_unit_id, booking), unknown)
        except MedleyError as refused:
            raise _patient_refusal(refused) from None
        await self._observe(record)
        return mapping.appointment_from_cliniko(record, care_unit_id, tz, self._now())

    async def _find_created_appointment(self, care_unit_id: str, booking: NewAppointment) -> JsonObject | None:
        start = mapping.format_instant(booking.start)
        just_after = mapping.format_instant(booking.start + timedelta(seconds=1))
        matches = await self._client.get_all(
            "/individual_appointments",
            "individual_appointments",
            [
                ("q[]", f"business_id:={care_unit_id}"),
                ("q[]", f"practitioner_id:={booking.resource_id}"),
                ("q[]", f"patient_id:={booking.patient_id}"),
                ("q[]", f"starts_at:>={start}"),
                ("q[]", f"starts_at:<{just_after}"),
            ],
        )
        return matches[-1] if matches else None

    async def check_own_write(
        self, care_unit_id: str, appointment_id: str, restore: AppointmentChange | None = None
    ) -> bool:
        """Cliniko accepts overlaps: ask for the appointment's conflicts; when there are some, archive our new
        booking, or move it back to ``restore``."""
        if not await self.has_conflicts(appointment_id):
            return True
        if restore is None:
            await self.delete_appointment(appointment_id)
        else:
            await self.update_appointment(care_unit_id, appointment_id, restore)
        return False

    async def has_conflicts(self, appointment_id: str) -> bool:
        _require_id(appointment_id, DetailCode.INVALID_APPOINTMENT_ID, "appointment")
        try:
            answer = await self._client.get(f"/individual_appointments/{appointment_id}/conflicts")
        except ClinikoNotFound:
            raise MedleyError.not_found("No appointment with this id.", DetailCode.INVALID_APPOINTMENT_ID) from None
        conflicts = answer.get("conflicts")
        return isinstance(conflicts, Mapping) and conflicts.get("exist") is True

    @_clears_slot_cache
    async def update_appointment(
        self, touched: _Touched, care_unit_id: str, appointment_id: str, change: AppointmentChange
    ) -> Appointment:
        practice = await self._reference.get()
        tz = mapping.zone_of(practice.business(care_unit_id))
        current = await self._appointment_record(care_unit_id, appointment_id)
        _touch(touched, current, change.resource_id)
        if change.resource_id is not None:
            practice.practitioner(care_unit_id, change.resource_id)
        body = mapping.appointment_change_to_cliniko(change)
        record: JsonObject | None = current
        if body:
            path = f"/individual_appointments/{appointment_id}"
            try:
                record = await self._client.patch(path, body)
            except UnknownOutcome as unknown:

                async def applied() -> JsonObject | None:
                    seen = await self._appointment_record(care_unit_id, appointment_id)
                    return seen if _change_applied(seen, body) else None

                record = await self._look_again(applied, unknown)
        if record is None:
            record = await self._appointment_record(care_unit_id, appointment_id)
        await self._observe(record)
        return mapping.appointment_from_cliniko(record, care_unit_id, tz, self._now())

    @_clears_slot_cache
    async def cancel_appointment(
        self, touched: _Touched, care_unit_id: str, appointment_id: str, comment: str | None
    ) -> Appointment:
        """Cancel with reason 50 ("Other") and the comment as the cancellation note; idempotent."""
        practice = await self._reference.get()
        tz = mapping.zone_of(practice.business(care_unit_id))
        record = await self._appointment_record(care_unit_id, appointment_id)
        _touch(touched, record)
        if mapping.text(record.get("cancelled_at")) is None:
            body: JsonObject = {"cancellation_reason": CANCELLATION_REASON_OTHER}
            if comment:
                body["cancellation_note"] = comment
            try:
                await self._client.patch(f"/individual_appointments/{appointment_id}/cancel", body)
            except UnknownOutcome as unknown:
                await self._look_again(lambda: self._cancelled_record(care_unit_id, appointment_id), unknown)
            except MedleyError as refused:
                # 422 "already cancelled": someone else cancelled it first, which is what we wanted.
                if refused.code != ErrorCode.BAD_REQUEST or not await self._cancelled_record(
                    care_unit_id, appointment_id
                ):
                    raise
            record = await self._appointment_record(care_unit_id, appointment_id)
        await self._observe(record)
        return mapping.appointment_from_cliniko(record, care_unit_id, tz, self._now())

    async def _cancelled_record(self, care_unit_id: str, appointment_id: str) -> JsonObject | None:
        record = await self._appointment_record(care_unit_id, appointment_id)
        return record if mapping.text(record.get("cancelled_at")) else None

    @_clears_slot_cache
    async def delete_appointment(self, touched: _Touched, appointment_id: str) -> None:
        """Archive (Cliniko's DELETE); an appointment already gone counts as done.

        Only the id is known (reading the appointment first would cost an upstream call): the whole
        account's remembered slots are forgotten."""
        _require_id(appointment_id, DetailCode.INVALID_APPOINTMENT_ID, "appointment")
        touched.add(_EVERYONE)
        path = f"/individual_appointments/{appointment_id}"
        try:
            await self._client.delete(path)
        except ClinikoNotFound:
            pass
        except UnknownOutcome as unknown:

            async def archived() -> bool | None:
                try:
                    seen = await self._client.get(path, [("q[]", "archived_at:*"), ("q[]", "cancelled_at:*")])
                except ClinikoNotFound:
                    return True
                return True if mapping.text(seen.get("archived_at")) else None

            await self._look_again(archived, unknown)
        await self._observe_removed(appointment_id)

    async def _appointment_record(self, care_unit_id: str, appointment_id: str) -> JsonObject:
        """The appointment, cancelled ones included; another business's appointment is not found."""
        _require_id(appointment_id, DetailCode.INVALID_APPOINTMENT_ID, "appointment")
        try:
            record = await self._client.get(f"/individual_appointments/{appointment_id}", [("q[]", "cancelled_at:*")])
        except ClinikoNotFound:
            record = None
        if record is None or mapping.linked_id(record, "business") not in (care_unit_id, None):
            raise MedleyError.not_found(
                "No appointment with this id at this care unit.", DetailCode.INVALID_APPOINTMENT_ID
            )
        return record

    # ---- medical notes -------------------------------------------------------------------------

    async def list_notes(self, care_unit_id: str, patient_id: str) -> list[MedicalNote]:
        practice = await self._reference.get()
        tz = mapping.zone_of(practice.business(care_unit_id))
        await self._patient_record(patient_id)
        records = await self._client.get_all(f"/patients/{patient_id}/treatment_notes", "treatment_notes")
        return [mapping.note_from_cliniko(record, patient_id, tz) for record in records]

    async def create_note(self, care_unit_id: str, patient_id: str, note: NewMedicalNote) -> MedicalNote:
        practice = await self._reference.get()
        tz = mapping.zone_of(practice.business(care_unit_id))
        if note.created_by_id is not None:
            practice.practitioner(care_unit_id, note.created_by_id, DetailCode.INVALID_CREATED_BY_ID)
        await self._check_note_template(note)
        await self._patient_record(patient_id)
        body = mapping.note_to_cliniko(patient_id, note)
        sent_at = self._now()
        try:
            record = await self._client.post("/treatment_notes", body)
        except UnknownOutcome as unknown:
            record = await self._look_again(lambda: self._find_created_note(patient_id, body, sent_at), unknown)
        except MedleyError as refused:
            raise _note_refusal(refused) from None
        return mapping.note_from_cliniko(record, patient_id, tz)

    async def _check_note_template(self, note: NewMedicalNote) -> None:
        if note.template_id == mapping.UNSTRUCTURED_TEMPLATE:
            value = note.content.get(mapping.UNSTRUCTURED_KEY)
            if set(note.content) != {mapping.UNSTRUCTURED_KEY} or not isinstance(value, str) or not value.strip():
                raise MedleyError.bad_request(
                    'A leyr_unstructured note needs content {"unstructured": "<non-empty text>"}.',
                    DetailCode.INVALID_NOTE_CONTENT,
                    path="content",
                )
            return
        unknown = MedleyError.bad_request(
            "Unknown template: use leyr_unstructured or a Cliniko treatment note template id.",
            DetailCode.INVALID_TEMPLATE_ID,
            path="template_id",
        )
        if not _ID.match(note.template_id):
            raise unknown
        try:
            await self._client.get(f"/treatment_note_templates/{note.template_id}")
        except ClinikoNotFound:
            raise unknown from None

    async def _find_created_note(self, patient_id: str, body: JsonObject, sent_at: datetime) -> JsonObject | None:
        records = await self._client.get_all(
            f"/patients/{patient_id}/treatment_notes",
            "treatment_notes",
            [("q[]", f"created_at:>={mapping.format_instant(sent_at - _CLOCK_SKEW)}")],
        )
        matches = [
            r for r in records if r.get("content") == body.get("content") and r.get("title") == body.get("title")
        ]
        return matches[-1] if matches else None

    # ---- documents -----------------------------------------------------------------------------

    async def list_documents(self, care_unit_id: str, patient_id: str) -> list[Document]:
        practice = await self._reference.get()
        tz = mapping.zone_of(practice.business(care_unit_id))
        await self._patient_record(patient_id)
        records = await self._client.get_all(f"/patients/{patient_id}/patient_attachments", "patient_attachments")
        return [
            mapping.document_from_attachment(record, patient_id, practice.practitioner_of_user, tz)
            for record in records
        ]

    async def create_document(self, care_unit_id: str, patient_id: str, document: NewDocument) -> Document:
        """Cliniko's 3-step upload: presigned post, multipart POST to the file store, attachment record."""
        practice = await self._reference.get()
        tz = mapping.zone_of(practice.business(care_unit_id))
        limit = min(self._settings.document_max_bytes, CLINIKO_MAX_FILE_BYTES)
        if len(document.content) > limit:
            detail = f"The document is larger than {limit} bytes."
            raise MedleyError(
                ErrorCode.PAYLOAD_TOO_LARGE,
                detail,
                [ErrorDetail(DetailCode.DOCUMENT_TOO_LARGE, detail, path="content")],
            )
        if not document.content:
            raise MedleyError.bad_request("The document is empty.", DetailCode.BAD_INPUT, path="content")
        if document.created_by_id is not None:
            practice.practitioner(care_unit_id, document.created_by_id, DetailCode.INVALID_CREATED_BY_ID)
        description = mapping.attachment_description(document.title, document.type)
        if len(description) > MAX_DESCRIPTION_CHARS:
            raise MedleyError.bad_request(
                f"Type and title together must fit in {MAX_DESCRIPTION_CHARS} characters.",
                DetailCode.BAD_INPUT,
                path="title",
            )
        await self._patient_record(patient_id)
        upload_url = await self._upload(patient_id, document)
        body = {"patient_id": patient_id, "upload_url": upload_url, "description": description}
        sent_at = self._now()
        try:
            record = await self._client.post("/patient_attachments", body)
        except UnknownOutcome as unknown:
            record = await self._look_again(
                lambda: self._find_created_attachment(patient_id, description, sent_at), unknown
            )
        created = mapping.document_from_attachment(record, patient_id, practice.practitioner_of_user, tz)
        # Real Cliniko processes files later: until then it knows neither type nor size, but we do.
        return created.model_copy(
            update={
                "format": created.format or document.format,
                "size": created.size if created.size is not None else len(document.content),
            }
        )

    async def _upload(self, patient_id: str, document: NewDocument) -> str:
        presigned = await self._client.get(f"/patients/{patient_id}/attachment_presigned_post")
        url = presigned.get("url")
        fields = presigned.get("fields")
        if not isinstance(url, str) or not isinstance(fields, Mapping):
            raise MedleyError.emr_error("Cliniko sent no upload form for this patient.", None, None)
        filename = mapping.upload_filename(document)
        reply = await self._client.upload_presigned(
            url,
            {str(k): str(v) for k, v in fields.items()},
            filename=filename,
            content=document.content,
            content_type=document.format,
        )
        key = _uploaded_key(reply, fields, filename)
        return url + key if url.endswith("/") or key.startswith("/") else f"{url}/{key}"

    async def _find_created_attachment(self, patient_id: str, description: str, sent_at: datetime) -> JsonObject | None:
        records = await self._client.get_all(
            f"/patients/{patient_id}/patient_attachments",
            "patient_attachments",
            [("q[]", f"created_at:>={mapping.format_instant(sent_at - _CLOCK_SKEW)}")],
        )
        matches = [r for r in records if mapping.text(r.get("description")) == description]
        return matches[-1] if matches else None

    async def get_document(self, care_unit_id: str, patient_id: str, document_id: str) -> DocumentFile:
        (await self._reference.get()).business(care_unit_id)
        _require_id(patient_id, DetailCode.INVALID_PATIENT_ID, "patient")
        _require_id(document_id, DetailCode.INVALID_DOCUMENT_ID, "document")
        missing = MedleyError.not_found("No document with this id for this patient.", DetailCode.INVALID_DOCUMENT_ID)
        try:
            record = await self._processed_attachment(document_id)
        except ClinikoNotFound:
            raise missing from None
        if mapping.linked_id(record, "patient") != patient_id:
            raise missing
        if record.get("processing_completed") is False:
            detail = "Cliniko is still processing this document; try again shortly."
            raise MedleyError(
                ErrorCode.CONFLICT,
                detail,
                [ErrorDetail(DetailCode.BAD_INPUT, detail)],
                headers={"Retry-After": "5"},
            )
        content = record.get("content")
        links = content.get("links") if isinstance(content, Mapping) else None
        url = links.get("self") if isinstance(links, Mapping) else None
        try:
            file = await self._client.download(
                url if isinstance(url, str) else f"/patient_attachments/{document_id}/content",
                max_bytes=CLINIKO_MAX_FILE_BYTES,
            )
        except ClinikoNotFound:
            raise missing from None
        return DocumentFile(
            filename=file.filename or mapping.text(record.get("filename")),
            format=mapping.text(record.get("content_type")) or file.content_type,
            content=file.content,
        )

    async def _processed_attachment(self, document_id: str) -> JsonObject:
        """The attachment record, read again after short pauses while Cliniko is still processing it."""
        record = await self._client.get(f"/patient_attachments/{document_id}")
        deadline = request_deadline.get()
        for pause in PROCESSING_WAITS:
            if record.get("processing_completed") is not False:
                break
            if deadline is not None and time.monotonic() + pause + _PROCESSING_MARGIN_SECONDS > deadline:
                break
            await asyncio.sleep(pause)
            record = await self._client.get(f"/patient_attachments/{document_id}")
        return record

    # ---- shared --------------------------------------------------------------------------------

    async def _look_again(self, lookup: Callable[[], Awaitable[T | None]], unknown: UnknownOutcome) -> T:
        """After an unconfirmed write: find its effect (a few tries), or raise the same UnknownOutcome."""
        what = f"cliniko {unknown.method} {unknown.path_template}"
        return await look_again(lookup, unknown, self._reconcile_delays, logger=logger, what=what)


def _touch(touched: _Touched, record: JsonObject, *also: str | None) -> None:
    """Note the appointment's practitioner (and a new one it moves to) as touched by a write."""
    for practitioner_id in (mapping.linked_id(record, "practitioner"), *also):
        if practitioner_id is not None:
            touched.add(practitioner_id)


def _require_id(value: str, code: DetailCode, what: str) -> None:
    """Cliniko ids are digits; anything else cannot exist (and must never reach a URL path)."""
    if not _ID.match(value):
        raise MedleyError.not_found(f"No {what} with this id.", code)


def _too_many(what: str, narrow_with: str) -> MedleyError:
    detail = f"More than {MAX_LISTED_RECORDS} {what} match; narrow the search with {narrow_with}."
    return MedleyError.bad_request(detail, DetailCode.MAX_ITEMS_EXCEEDED)


def _change_applied(record: Mapping[str, Any], body: Mapping[str, Any]) -> bool:
    if "starts_at" in body and mapping.parse_instant(record.get("starts_at")) != mapping.parse_instant(
        body["starts_at"]
    ):
        return False
    if body.get("ends_at") is not None and mapping.parse_instant(record.get("ends_at")) != mapping.parse_instant(
        body["ends_at"]
    ):
        return False
    if "practitioner_id" in body and mapping.linked_id(record, "practitioner") != body["practitioner_id"]:
        return False
    return "notes" not in body or (mapping.text(record.get("notes")) or "") == (mapping.text(body["notes"]) or "")


def _patient_refusal(refused: MedleyError) -> MedleyError:
    """Cliniko's 422 "patient: must exist" on a booking is an unknown patient: the booking path does not
    read the patient first (one upstream call less), so the create's own check tells."""
    if refused.code != ErrorCode.BAD_REQUEST or not refused.errors:
        return refused
    message = (refused.errors[0].emr_error or {}).get("message")
    if isinstance(message, Mapping) and "patient" in message:
        return MedleyError.not_found("No patient with this id.", DetailCode.INVALID_PATIENT_ID)
    return refused


def _note_refusal(refused: MedleyError) -> MedleyError:
    """Cliniko's 422 about the note's content becomes INVALID_NOTE_CONTENT (its words kept)."""
    if refused.code != ErrorCode.BAD_REQUEST or not refused.errors:
        return refused
    emr = refused.errors[0].emr_error or {}
    message = emr.get("message")
    about_content = message == "must be an object" or (isinstance(message, Mapping) and "content" in message)
    if not about_content:
        return refused
    detail = "Cliniko refused the note's content for its template."
    return MedleyError(
        ErrorCode.BAD_REQUEST,
        detail,
        [ErrorDetail(DetailCode.INVALID_NOTE_CONTENT, detail, emr_error=emr, path="content")],
    )


def _uploaded_key(reply: Reply, fields: Mapping[str, Any], filename: str) -> str:
    """The object key S3 stored: from its XML answer, else the form's key with ``${filename}`` filled in."""
    match = _S3_KEY.search(reply.text)
    if match:
        return html.unescape(match.group(1)).lstrip("/")
    return str(fields.get("key", "")).replace("${filename}", filename).lstrip("/")
