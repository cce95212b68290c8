"""The Acuity Scheduling connector: Medley's ``Connector`` port over Acuity's API v1, for one account.

Mapping (docs/acuity.md has the whole table):

* care unit ← the account (``/me``: its id, name and zone; the calendars' location when they share one);
* resources ← calendars, each in its own time zone: its slots and appointments are rendered in that zone;
* healthcare services ← active, non-private appointment types (services and classes; a class seats
  ``classSize`` patients, and its slot stays free while a seat is left);
* timeslots ← Acuity's own availability, kept in the scheduling mirror by the sync (``free_times.py``: dates,
  then times per calendar × type and day; classes per month) and read from it while fresh; live otherwise
  (``timeslots.py``: the same reads, fanned out within the budget, cached and coalesced);
* book ← ``POST /availability/check-times`` (the live re-check inside the booking lock) then
  ``POST /appointments`` in client mode: Acuity validates availability itself and refuses a taken slot
  (409 here), so no conflicts check or undo is ever needed (``BookingGuard.emr``); never ``admin=true``;
* reschedule ← ``PUT /appointments/{id}/reschedule`` (client mode: Acuity validates the new time);
  cancel ← ``PUT /appointments/{id}/cancel?admin=true`` (the practice's back office cancels; no time is taken);
  a comment ← ``notes``, which Acuity lets only an admin write: ``PUT /appointments/{id}?admin=true``;
* patients ← clients (``clients.py``; the patient id is derived, see ``mapping``);
* schedules, notes and documents: not in the capability matrix (Acuity's API exposes no working hours, no
  clinical notes and no file upload), so the gateway answers NOT_SUPPORTED before reaching here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from medley.config import Settings
from medley.connectors.acuity import mapping
from medley.connectors.acuity.client import AcuityClient
from medley.connectors.acuity.clients import ClientDirectory
from medley.connectors.acuity.errors import AcuityNotFound, UnknownOutcome
from medley.connectors.acuity.free_times import free_days_of
from medley.connectors.acuity.practice import PracticeCache, services_of
from medley.connectors.acuity.sync_reads import AcuitySyncReader, booking_from_acuity
from medley.connectors.acuity.timeslots import AvailabilityCache, find_next, find_timeslots
from medley.connectors.acuity.webhooks import AcuityPush
from medley.connectors.base import BookingGuard, Capabilities, Operation
from medley.connectors.checks import require_aware
from medley.connectors.reconcile import look_again
from medley.connectors.sync_source import MirrorLink
from medley.domain.errors import DetailCode, MedleyError
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

logger = logging.getLogger("medley.connectors.acuity")

CODE = "acuity"
NAME = "Acuity Scheduling"
APPOINTMENT_STATUSES = ["booked", "completed", "cancelled", "did_not_arrive"]
MAX_LISTED_RECORDS = 5000
_UNSUPPORTED = frozenset(
    {
        Operation.schedules_get,
        Operation.notes_list,
        Operation.notes_create,
        Operation.documents_list,
        Operation.documents_create,
        Operation.documents_get,
    }
)
_T = TypeVar("_T")


def acuity_capabilities(settings: Settings) -> Capabilities:
    """What this connector supports, independent of any one account."""
    return Capabilities(
        emr=CODE,
        name=NAME,
        operations=[o for o in Operation if o not in _UNSUPPORTED],
        patient_id_types=["emr_id"],
        resource_id_types=["emr_id"],
        note_templates=[],
        max_document_bytes=0,
        max_timeslot_window_days=settings.timeslot_max_days,
        appointment_statuses=list(APPOINTMENT_STATUSES),
        timeslot_source="mirror",
        upstream_days_per_availability_call=1,
        seats=True,
        booking_guard=BookingGuard.emr,
        patient_upsert_key=["first_name+last_name+email", "first_name+last_name+phone"],
    )


class AcuityConnector:
    """One Acuity account, reached with one user id and API key."""

    code = CODE

    def __init__(
        self,
        client: AcuityClient,
        *,
        settings: Settings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        reconcile_delays: Sequence[float] = (0.0, 1.0, 2.0),
        mirror: MirrorLink | None = None,
    ) -> None:
        self._client = client
        self._settings = settings
        self._now = clock
        self._practice = PracticeCache(client, settings.reference_cache_seconds)
        self._availability = AvailabilityCache(settings.timeslot_cache_seconds)
        self._clients = ClientDirectory(client, settings.timeslot_cache_seconds)
        self._mirror = mirror
        self._reconcile_delays = tuple(reconcile_delays)

    @property
    def base_url(self) -> str:
        return self._client.base_url

    def capabilities(self) -> Capabilities:
        return acuity_capabilities(self._settings)

    async def aclose(self) -> None:
        await self._client.aclose()

    def budget_usage(self) -> dict[str, int]:
        return self._client.budget_usage()

    def sync_source(self) -> AcuitySyncReader:
        """What the sync reads: bookings and blocks (busy time, and events of changes made in Acuity directly),
        and Acuity's own free time, which the mirror keeps since it cannot compute it (``free_times.py``)."""
        return AcuitySyncReader(
            self._client, self._practice, horizon_days=self._settings.timeslot_max_days, cache=self._availability
        )

    def push_source(self) -> AcuityPush:
        """Acuity's own webhooks (``webhooks.py``): changes made in Acuity reach the mirror within a second."""
        return AcuityPush(self._client, self._practice)

    async def _observe(self, record: dict[str, Any], freed: dict[str, Any] | None = None) -> None:
        """Our own confirmed write goes to the mirror at once: it records the appointment's event; ``freed``, the
        appointment as it was before a move or cancel, gives its time back."""
        if self._mirror is None:
            return
        practice = await self._practice.get()
        booking = booking_from_acuity(record, practice.care_unit_id)
        if booking is not None:
            await self._mirror.bookings_written([booking])
        before = booking_from_acuity(freed, practice.care_unit_id) if freed is not None else None
        if before is not None:
            await self._mirror.time_freed([before])

    # ---- reference data ------------------------------------------------------------------------

    async def list_care_units(self) -> list[CareUnit]:
        return [(await self._practice.get()).care_unit()]

    async def get_care_unit(self, care_unit_id: str) -> CareUnit:
        practice = await self._practice.get()
        practice.require_unit(care_unit_id)
        return practice.care_unit()

    async def list_resources(self, care_unit_id: str) -> list[Resource]:
        practice = await self._practice.get()
        practice.require_unit(care_unit_id)
        return [
            mapping.resource_from_calendar(practice.calendars[c])
            for c in sorted(practice.calendars, key=lambda c: (len(c), c))
        ]

    async def get_resource(self, care_unit_id: str, resource_id: str) -> Resource:
        return mapping.resource_from_calendar((await self._practice.get()).calendar(care_unit_id, resource_id))

    async def get_schedule(
        self, care_unit_id: str, resource_id: str, start: datetime, end: datetime
    ) -> list[ScheduleBlock]:
        raise MedleyError.not_supported("Acuity's API does not expose a calendar's working hours.")

    async def list_services(self, care_unit_id: str) -> list[HealthcareService]:
        practice = await self._practice.get()
        return [mapping.service_from_type(kind, calendars) for kind, calendars in services_of(practice, care_unit_id)]

    # ---- timeslots -----------------------------------------------------------------------------

    async def bookable_pairs(
        self, care_unit_id: str, resource_ids: Sequence[str] | None, service_ids: Sequence[str] | None
    ) -> list[tuple[str, str]]:
        """The (calendar, type) pairs a timeslot read covers, after the same checks as a live read (the mirror
        answers for them when it holds every day the read needs)."""
        return (await self._practice.get()).pairs(care_unit_id, resource_ids, service_ids)

    async def list_timeslots(
        self,
        care_unit_id: str,
        start: datetime,
        end: datetime,
        resource_ids: Sequence[str] | None = None,
        service_ids: Sequence[str] | None = None,
        fresh: bool = False,
    ) -> list[Timeslot]:
        """Free slots from Acuity's availability engine; ``fresh`` (the booking re-check) asks Acuity now: for
        one exact slot with ``check-times`` (one call), else through the dates and times."""
        require_aware(start, end)
        practice = await self._practice.get()
        if (
            fresh
            and resource_ids is not None
            and service_ids is not None
            and len(resource_ids) == len(service_ids) == 1
        ):
            kind = practice.type(care_unit_id, service_ids[0])
            practice.calendar(care_unit_id, resource_ids[0])
            if end - start == timedelta(minutes=mapping.duration_of(kind)):
                free = await self._check_time(resource_ids[0], service_ids[0], start)
                slot = Timeslot(start=start, end=end, resource_id=resource_ids[0], healthcare_service_id=service_ids[0])
                return [slot] if free else []
        began = datetime.now(UTC)
        answers: dict[tuple[str, str, date], list[datetime]] | None = {} if self._mirror is not None else None
        found = await find_timeslots(
            self._client,
            practice,
            self._availability,
            care_unit_id,
            start,
            end,
            calendar_ids=resource_ids,
            type_ids=service_ids,
            fresh=fresh,
            answers=answers,
        )
        if self._mirror is not None and answers:
            # What a live read learnt warms the mirror for every reader; cached answers may be older than the read.
            read_started = began - timedelta(seconds=0 if fresh else self._settings.timeslot_cache_seconds)
            await self._mirror.free_days_read(free_days_of(practice, answers), read_started)
        return found

    async def _check_time(self, calendar_id: str, type_id: str, start: datetime) -> bool:
        practice = await self._practice.get()
        body = {
            "datetime": mapping.format_datetime(start, practice.zone_of(calendar_id)),
            "appointmentTypeID": int(type_id),
            "calendarID": int(calendar_id),
        }
        answer = await self._client.post("/availability/check-times", body)
        item = answer[0] if isinstance(answer, list) and answer else answer
        return isinstance(item, dict) and item.get("valid") is True

    async def next_available(
        self,
        care_unit_id: str,
        after: datetime,
        resource_ids: Sequence[str] | None = None,
        service_ids: Sequence[str] | None = None,
    ) -> Timeslot | None:
        require_aware(after)
        practice = await self._practice.get()
        return await find_next(
            self._client,
            practice,
            self._availability,
            care_unit_id,
            after,
            calendar_ids=resource_ids,
            type_ids=service_ids,
        )

    # ---- patients ------------------------------------------------------------------------------

    async def search_patients(self, care_unit_id: str, query: PatientQuery) -> list[Patient]:
        (await self._practice.get()).require_unit(care_unit_id)
        records = await self._clients.search(query)
        if len(records) > MAX_LISTED_RECORDS:
            raise MedleyError.bad_request(
                f"More than {MAX_LISTED_RECORDS} patients match; narrow the search.", DetailCode.MAX_ITEMS_EXCEEDED
            )
        unique = {mapping.patient_id_of(r): r for r in records}
        return [mapping.patient_from_client(r, care_unit_id) for r in unique.values()]

    async def get_patient(self, care_unit_id: str, patient_id: str) -> Patient:
        (await self._practice.get()).require_unit(care_unit_id)
        return mapping.patient_from_client(await self._clients.find(patient_id), care_unit_id)

    async def create_patient(self, care_unit_id: str, patient: PatientCreate) -> Patient:
        """A new client (names, the first e-mail and phone: Acuity keeps no birth date, gender, address or
        external id). Creating a client twice is harmless to repeat after an unknown outcome: the upsert
        finds it."""
        (await self._practice.get()).require_unit(care_unit_id)
        record = await self._clients.create(mapping.client_from_patient(patient))
        return mapping.patient_from_client(record, care_unit_id)

    async def update_patient(self, care_unit_id: str, patient_id: str, changes: PatientUpdate) -> Patient:
        """Names, e-mail and phone (the newest given); what Acuity cannot hold is left out. Changing a name or the
        e-mail changes the patient's id (it is derived from them): the answer carries the new one."""
        (await self._practice.get()).require_unit(care_unit_id)
        current = await self._clients.find(patient_id)
        body: dict[str, Any] = {}
        for field, value in (("firstName", changes.first_name), ("lastName", changes.last_name)):
            if value and value.strip() and value.strip() != mapping.text(current.get(field)):
                body[field] = value.strip()
        if changes.emails and changes.emails[0] != mapping.text(current.get("email")):
            body["email"] = changes.emails[0]
        if changes.phones and changes.phones[-1] != mapping.text(current.get("phone")):
            body["phone"] = changes.phones[-1]
        record = await self._clients.update(current, body) if body else current
        return mapping.patient_from_client(record, care_unit_id)

    # ---- appointments --------------------------------------------------------------------------

    async def list_appointments(self, care_unit_id: str, query: AppointmentQuery) -> list[Appointment]:
        practice = await self._practice.get()
        practice.require_unit(care_unit_id)
        params: list[tuple[str, str]] = [
            ("showall", "true"),
            ("max", str(MAX_LISTED_RECORDS + 1)),
            ("direction", "ASC"),
            ("excludeForms", "true"),
        ]
        business = mapping.zone(practice.account.get("timezone"))
        # Acuity filters whole days in the account's zone: a day either side, and the instants filtered here.
        if query.start is not None:
            require_aware(query.start)
            params.append(("minDate", (query.start.astimezone(business).date() - timedelta(days=1)).isoformat()))
        if query.end is not None:
            require_aware(query.end)
            params.append(("maxDate", (query.end.astimezone(business).date() + timedelta(days=1)).isoformat()))
        if query.resource_id is not None:
            if query.resource_id not in practice.calendars:
                return []
            params.append(("calendarID", query.resource_id))
        if query.patient_id is not None:
            if not mapping.is_patient_id(query.patient_id):
                return []
            try:
                client = await self._clients.find(query.patient_id)
            except MedleyError:
                return []
            params += [
                (k, str(client[f])) for k, f in (("firstName", "firstName"), ("lastName", "lastName")) if client.get(f)
            ]
        records = await self._client.get_list("/appointments", params)
        if len(records) > MAX_LISTED_RECORDS:
            raise MedleyError.bad_request(
                f"More than {MAX_LISTED_RECORDS} appointments match; narrow the list with start and end, a patient "
                "or a resource.",
                DetailCode.MAX_ITEMS_EXCEEDED,
            )
        now = self._now()
        found: list[Appointment] = []
        for record in records:
            appointment = mapping.appointment_from_acuity(record, care_unit_id, now)
            if query.patient_id is not None and appointment.patient_id != query.patient_id:
                continue
            if query.start is not None and appointment.end <= query.start:
                continue
            if query.end is not None and appointment.start >= query.end:
                continue
            if query.status is not None and appointment.status != query.status:
                continue
            found.append(appointment)
        return sorted(found, key=lambda a: (a.start, a.id))

    async def get_appointment(self, care_unit_id: str, appointment_id: str) -> Appointment:
        (await self._practice.get()).require_unit(care_unit_id)
        record = await self._appointment_record(appointment_id)
        return mapping.appointment_from_acuity(record, care_unit_id, self._now())

    async def _appointment_record(self, appointment_id: str) -> dict[str, Any]:
        if not appointment_id.isdigit() or len(appointment_id) > 20:
            raise _no_appointment()
        try:
            return await self._client.get_object(f"/appointments/{appointment_id}")
        except AcuityNotFound:
            raise _no_appointment() from None

    async def create_appointment(self, care_unit_id: str, booking: NewAppointment) -> Appointment:
        """``POST /appointments`` in client mode: Acuity checks the time is free and refuses it otherwise."""
        practice = await self._practice.get()
        calendar_id, type_id = booking.resource_id, booking.healthcare_service_id
        practice.calendar(care_unit_id, calendar_id)
        practice.type(care_unit_id, type_id)
        if calendar_id not in practice.calendars_of.get(type_id, []):
            raise MedleyError.not_found(
                "This resource does not offer this healthcare service.", DetailCode.INVALID_HEALTHCARE_SERVICE_ID
            )
        client = await self._clients.find(booking.patient_id)
        if not mapping.text(client.get("email")):
            raise MedleyError.bad_request(
                "Acuity needs the patient's e-mail address to book: add one to the patient first.",
                DetailCode.MISSING_REQUIRED_FIELD,
                path="patient_id",
            )
        tz = practice.zone_of(calendar_id)
        body: dict[str, Any] = {
            "datetime": mapping.format_datetime(booking.start, tz),
            "appointmentTypeID": int(type_id),
            "calendarID": int(calendar_id),
            "firstName": client.get("firstName"),
            "lastName": client.get("lastName"),
            "email": client.get("email"),
            "timezone": tz.key,
        }
        if mapping.text(client.get("phone")):
            body["phone"] = client["phone"]
        self._availability.forget([calendar_id])
        try:
            record = await self._client.post("/appointments", body)
        except UnknownOutcome as unknown:
            record = await self._look_again(lambda: self._find_created(booking, body), unknown)
        finally:
            self._availability.forget([calendar_id])
        if not isinstance(record, dict):
            raise MedleyError.emr_error("Acuity sent no appointment back.", None, None)
        if booking.comment:
            record = await self._write_notes(str(record.get("id")), booking.comment, record)
        await self._observe(record)
        return mapping.appointment_from_acuity(record, care_unit_id, self._now())

    async def _find_created(self, booking: NewAppointment, body: dict[str, Any]) -> dict[str, Any] | None:
        day = booking.start.astimezone(mapping.zone(body["timezone"])).date().isoformat()
        params = [
            ("calendarID", str(body["calendarID"])),
            ("appointmentTypeID", str(body["appointmentTypeID"])),
            ("minDate", day),
            ("maxDate", day),
            ("email", str(body["email"])),
        ]
        for record in await self._client.get_list("/appointments", params):
            if mapping.parse_datetime(record.get("datetime")) == booking.start and record.get("canceled") is not True:
                return record
        return None

    async def _write_notes(self, appointment_id: str, notes: str, record: dict[str, Any]) -> dict[str, Any]:
        """Acuity lets only an admin write ``notes``: a details update, never a booking, so admin is safe."""
        updated = await self._client.put(f"/appointments/{appointment_id}", {"notes": notes}, [("admin", "true")])
        return updated if isinstance(updated, dict) else {**record, "notes": notes}

    async def check_own_write(
        self, care_unit_id: str, appointment_id: str, restore: AppointmentChange | None = None
    ) -> bool:
        """Acuity refused any write of ours into taken time (client mode): what it accepted stands."""
        return True

    async def update_appointment(
        self, care_unit_id: str, appointment_id: str, change: AppointmentChange
    ) -> Appointment:
        practice = await self._practice.get()
        practice.require_unit(care_unit_id)
        record = before = await self._appointment_record(appointment_id)
        current = mapping.appointment_from_acuity(record, care_unit_id, self._now())
        calendar_id = change.resource_id or current.resource_id
        if change.resource_id is not None:
            practice.calendar(care_unit_id, change.resource_id)
        start = change.start or current.start
        if (start, calendar_id) != (current.start, current.resource_id):
            tz = practice.zone_of(calendar_id)
            body = {"datetime": mapping.format_datetime(start, tz), "calendarID": int(calendar_id), "timezone": tz.key}
            touched = {current.resource_id, calendar_id}
            self._availability.forget(touched)
            try:
                record = await self._client.put(f"/appointments/{appointment_id}/reschedule", body)
            except UnknownOutcome as unknown:

                async def moved() -> dict[str, Any] | None:
                    seen = await self._appointment_record(appointment_id)
                    same = mapping.parse_datetime(seen.get("datetime")) == start
                    return seen if same and mapping.record_id(seen, "calendarID") == calendar_id else None

                record = await self._look_again(moved, unknown)
            finally:
                self._availability.forget(touched)
        if change.comment is not None and change.comment != (mapping.text(record.get("notes")) or ""):
            record = await self._write_notes(appointment_id, change.comment, record)
        elsewhere = (mapping.parse_datetime(record.get("datetime")), mapping.record_id(record, "calendarID")) != (
            current.start,
            current.resource_id,
        )
        await self._observe(record, freed=before if elsewhere else None)
        return mapping.appointment_from_acuity(record, care_unit_id, self._now())

    async def cancel_appointment(self, care_unit_id: str, appointment_id: str, comment: str | None) -> Appointment:
        """Cancel as the practice (``admin=true``: the client's own cancel window does not apply to the back
        office, and a cancel takes no time); the comment is Acuity's ``cancelNote``. Idempotent."""
        (await self._practice.get()).require_unit(care_unit_id)
        record = before = await self._appointment_record(appointment_id)
        freed = None
        if record.get("canceled") is not True:
            freed = before
            body = {"cancelNote": comment} if comment else {}
            calendar = mapping.record_id(record, "calendarID")
            try:
                answer = await self._client.put(f"/appointments/{appointment_id}/cancel", body, [("admin", "true")])
            except UnknownOutcome as unknown:

                async def cancelled() -> dict[str, Any] | None:
                    seen = await self._appointment_record(appointment_id)
                    return seen if seen.get("canceled") is True else None

                answer = await self._look_again(cancelled, unknown)
            finally:
                self._availability.forget([calendar] if calendar else None)
            record = (
                answer
                if isinstance(answer, dict) and answer.get("id") is not None
                else await self._appointment_record(appointment_id)
            )
        await self._observe(record, freed=freed)
        return mapping.appointment_from_acuity(record, care_unit_id, self._now())

    # ---- not in Acuity -------------------------------------------------------------------------

    async def list_notes(self, care_unit_id: str, patient_id: str) -> list[MedicalNote]:
        raise _no_records()

    async def create_note(self, care_unit_id: str, patient_id: str, note: NewMedicalNote) -> MedicalNote:
        raise _no_records()

    async def list_documents(self, care_unit_id: str, patient_id: str) -> list[Document]:
        raise _no_records()

    async def create_document(self, care_unit_id: str, patient_id: str, document: NewDocument) -> Document:
        raise _no_records()

    async def get_document(self, care_unit_id: str, patient_id: str, document_id: str) -> DocumentFile:
        raise _no_records()

    # ---- shared --------------------------------------------------------------------------------

    async def _look_again(self, lookup: Callable[[], Awaitable[_T | None]], unknown: UnknownOutcome) -> _T:
        what = f"acuity {unknown.method} {unknown.path_template}"
        return await look_again(lookup, unknown, self._reconcile_delays, logger=logger, what=what)


def _no_appointment() -> MedleyError:
    return MedleyError.not_found("No appointment with this id at this care unit.", DetailCode.INVALID_APPOINTMENT_ID)


def _no_records() -> MedleyError:
    return MedleyError.not_supported("Acuity keeps no clinical notes or documents.")
