"""Booking, rescheduling and cancelling without ever double-booking (DESIGN.md §3).

Writes for one practitioner are serialised by a lock that holds across replicas; inside it the slot is
re-checked upstream; after the write the connector's own check (``Connector.check_own_write``) decides
whether it stands: an EHR that accepts overlaps (Cliniko) is asked for conflicts and our write is undone if a
booking made outside Medley won; an EHR that refuses taken time itself (Acuity) has already said so.
A write the EHR does not confirm keeps its time held (``write_holds``) until its outcome is known.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from medley.connectors.base import BookingGuard, Connector
from medley.domain.errors import DetailCode, MedleyError
from medley.domain.models import (
    Appointment,
    AppointmentChange,
    AppointmentQuery,
    AppointmentStatus,
    NewAppointment,
    Timeslot,
)
from medley.services.locking import LockFactory
from medley.services.write_holds import Own, Written, held, settle
from medley.store.holds import HoldRequest, HoldStore, WriteHold

logger = logging.getLogger("medley.booking")

MAX_COMMENT_LENGTH = 1000


def _lock_key(resource_id: str) -> str:
    # Per practitioner, not per care unit: one practitioner working at two clinics has one calendar.
    return f"booking:{resource_id}"


def check_comment(comment: str | None) -> None:
    if comment is not None and len(comment) > MAX_COMMENT_LENGTH:
        raise MedleyError.bad_request(
            f"The comment is longer than {MAX_COMMENT_LENGTH} characters.",
            DetailCode.INVALID_COMMENT_LENGTH,
            path="comment",
        )


def _no_slot(detail: str) -> MedleyError:
    return MedleyError.conflict(detail, DetailCode.NO_TIMESLOTS_AVAILABLE)


async def _matching_slots(
    connector: Connector,
    care_unit_id: str,
    start: datetime,
    end: datetime,
    resource_id: str | None,
    service_id: str | None,
) -> list[Timeslot]:
    slots = await connector.list_timeslots(
        care_unit_id,
        start,
        end,
        resource_ids=[resource_id] if resource_id else None,
        service_ids=[service_id] if service_id else None,
        fresh=True,
    )
    return [s for s in slots if s.start == start and s.end == end]


async def book(
    connector: Connector,
    lock: LockFactory,
    holds: HoldStore,
    care_unit_id: str,
    *,
    start: datetime,
    end: datetime,
    patient_id: str,
    resource_id: str | None,
    service_id: str | None,
    comment: str | None,
    retry: bool = False,
) -> Appointment:
    """Book the one free timeslot that matches; refuse when none or several match.

    Upstream calls on the usual path (resource and service given, reference data cached): three, all live
    and inside the lock: the slot re-check, the create and the conflicts check. Everything that can be
    refused without the EHR (a past start, an end that does not fit the service, a practitioner who does not
    offer it) is refused first, with a 400.

    With ``retry`` (the request carries an Idempotency-Key), a slot taken by exactly this booking (same
    patient, start, end, and resource and service when given) returns that appointment instead of a conflict:
    it is the effect of an earlier attempt whose outcome the caller never heard (e.g. the EHR applied the
    write after we stopped waiting), and the retry must neither refuse it nor book it twice. It is checked
    for conflicts first, and undone if it overlaps another booking.
    """
    check_comment(comment)
    _check_span(start, end)
    await _check_fits_service(connector, care_unit_id, start, end, resource_id, service_id)
    wanted = _Wanted(start, end, patient_id, resource_id, service_id)
    if resource_id and service_id:
        # Fully specified: the check inside the lock is the one that counts, so it is the only one made.
        candidates = [Timeslot(start=start, end=end, resource_id=resource_id, healthcare_service_id=service_id)]
    else:
        candidates = await _matching_slots(connector, care_unit_id, start, end, resource_id, service_id)
    if not candidates:
        return await _taken(connector, care_unit_id, wanted, retry)
    if len(candidates) > 1:
        raise MedleyError.conflict(
            "Several free timeslots match; give resource_id and healthcare_service_id to choose one.",
            DetailCode.AMBIGUOUS_TIMESLOTS,
        )
    chosen = candidates[0]
    async with lock(_lock_key(chosen.resource_id)):
        own = Own(wanted.held_by) if retry else None
        landed = await settle(connector, holds, chosen.resource_id, (start, end), own)
        if landed is not None:
            logger.info("booking retry: an earlier attempt landed and stands (%s)", landed.id)
            return landed
        # Re-check inside the lock: another request may have taken the slot since.
        if not await _matching_slots(
            connector, care_unit_id, start, end, chosen.resource_id, chosen.healthcare_service_id
        ):
            return await _taken(connector, care_unit_id, wanted, retry, chosen.resource_id)
        booking = NewAppointment(
            start=start,
            end=end,
            patient_id=patient_id,
            resource_id=chosen.resource_id,
            healthcare_service_id=chosen.healthcare_service_id,
            comment=comment,
        )
        hold = HoldRequest(
            resource_id=chosen.resource_id,
            care_unit_id=care_unit_id,
            start=start,
            end=end,
            patient_id=patient_id,
            service_id=chosen.healthcare_service_id,
        )
        # The hold outlives a write the EHR does not confirm, and our conflicts check, until both are known.
        async with held(holds, hold) as written:
            appointment = await connector.create_appointment(care_unit_id, booking)
            written.confirmed = True
            await _undo_if_conflicting(connector, care_unit_id, appointment.id, written)
    return appointment


def _check_span(start: datetime, end: datetime) -> None:
    if end <= start:
        raise MedleyError.bad_request("'end' must be after 'start'.", DetailCode.INVALID_TIME_WINDOW, path="end")
    if start < datetime.now(UTC):
        raise MedleyError.bad_request(
            "The requested start is in the past.", DetailCode.INVALID_TIME_WINDOW, path="start"
        )


async def _check_fits_service(
    connector: Connector,
    care_unit_id: str,
    start: datetime,
    end: datetime,
    resource_id: str | None,
    service_id: str | None,
) -> None:
    """Refuse, before any upstream call, a span no service of this care unit could fill, and a practitioner
    who does not offer the service (reference data: cached, so no upstream call when warm)."""
    services = await connector.list_services(care_unit_id)
    if service_id is not None:
        service = next((s for s in services if s.id == service_id), None)
        if service is None:
            raise MedleyError.not_found(
                "No healthcare service with this id at this care unit.", DetailCode.INVALID_HEALTHCARE_SERVICE_ID
            )
        if resource_id is not None and service.resource_ids and resource_id not in service.resource_ids:
            await connector.get_resource(care_unit_id, resource_id)  # an unknown resource is a 404 first
            raise MedleyError.bad_request(
                "This resource does not offer this healthcare service.",
                DetailCode.INVALID_HEALTHCARE_SERVICE_ID,
                path="healthcare_service_id",
            )
        services = [service]
    elif resource_id is not None:
        services = [s for s in services if not s.resource_ids or resource_id in s.resource_ids]
    minutes = (end - start).total_seconds() / 60
    lengths = sorted({s.duration_minutes for s in services})
    if lengths and minutes not in lengths:
        fits = " or ".join(str(m) for m in lengths[:5])
        raise MedleyError.bad_request(
            f"'end' must be {fits} minutes after 'start' (the service's length); this window is {minutes:g} minutes.",
            DetailCode.INVALID_TIME_WINDOW,
            path="end",
        )


@dataclass(frozen=True, slots=True)
class _Wanted:
    """The booking a request asks for; resource and service may be left for the slot to decide."""

    start: datetime
    end: datetime
    patient_id: str
    resource_id: str | None
    service_id: str | None

    def made(self, appointment: Appointment) -> bool:
        return (
            appointment.status == AppointmentStatus.booked
            and appointment.start == self.start
            and appointment.end == self.end
            and appointment.patient_id == self.patient_id
            and self.resource_id in (None, appointment.resource_id)
            and self.service_id in (None, appointment.healthcare_service_id)
        )

    def held_by(self, hold: WriteHold) -> bool:
        """Whether ``hold`` is an earlier attempt of this very booking."""
        return (
            not hold.is_move
            and hold.start == self.start
            and hold.end == self.end
            and hold.patient_id == self.patient_id
            and self.resource_id in (None, hold.resource_id)
            and self.service_id in (None, hold.service_id)
        )


# Within this long of its creation, an appointment in the way was "just booked" (a lost race).
_JUST_BOOKED = timedelta(minutes=10)


async def _taken(
    connector: Connector, care_unit_id: str, wanted: _Wanted, retry: bool, resource_id: str | None = None
) -> Appointment:
    """The slot is not free: on a retry, the appointment an earlier attempt made (checked for conflicts);
    otherwise a conflict that says why (costs one more upstream read, on this failure path only)."""
    resource_id = resource_id or wanted.resource_id
    query = AppointmentQuery(resource_id=resource_id, start=wanted.start, end=wanted.end)
    in_the_way = [
        a
        for a in await connector.list_appointments(care_unit_id, query)
        if a.status in _BUSY_STATUSES and a.start < wanted.end and wanted.start < a.end
    ]
    if retry:
        made = [a for a in in_the_way if wanted.made(a)]
        if len(made) == 1:
            logger.info("booking retry: the slot holds this very booking already (%s)", made[0].id)
            await _undo_if_conflicting(connector, care_unit_id, made[0].id)
            return made[0]
    if not in_the_way:
        raise _no_slot(
            "No free timeslot starts at this time for this resource and service: it is outside their working "
            "hours or on time off, or not a start time the service offers."
        )
    theirs = next((a for a in in_the_way if wanted.made(a)), None)
    if theirs is not None:
        # Typically a retry without an Idempotency-Key after a lost answer: say that it is theirs.
        raise _no_slot(f"This patient already has this booking (appointment {theirs.id}).")
    now = datetime.now(UTC)
    if any(a.created_at is not None and a.created_at >= now - _JUST_BOOKED for a in in_the_way):
        raise _no_slot("This timeslot has just been booked by someone else.")
    raise _no_slot("This timeslot is already booked.")


_BUSY_STATUSES = frozenset({AppointmentStatus.booked, AppointmentStatus.awaiting_confirmation})


async def _undo_if_conflicting(
    connector: Connector, care_unit_id: str, appointment_id: str, written: Written | None = None
) -> None:
    """A booking made directly in the EHR between our check and our write: ours yields (the connector undoes it
    where its EHR accepts overlaps; where the EHR refuses them, ours stands by construction)."""
    if not await connector.check_own_write(care_unit_id, appointment_id):
        logger.warning("booking %s lost a race with an upstream booking; undone", appointment_id)
        if written is not None:
            written.confirmed = False  # undone: nothing of ours stands, the hold may go
        raise _no_slot("This timeslot was booked in the EHR at the same moment.")


def _validate_change(change: AppointmentChange) -> None:
    if (change.start is None) != (change.end is None):
        raise MedleyError.bad_request(
            "'start' and 'end' must be given together.",
            DetailCode.MISSING_REQUIRED_FIELD,
            path="end" if change.end is None else "start",
        )
    if change.start is not None and change.end is not None and change.end <= change.start:
        raise MedleyError.bad_request("'end' must be after 'start'.", DetailCode.BAD_INPUT, path="end")
    check_comment(change.comment)


def _ensure_changeable(appointment: Appointment) -> None:
    if appointment.status != AppointmentStatus.booked:
        raise MedleyError.bad_request(
            f"A {appointment.status.value} appointment cannot be changed.",
            DetailCode.INVALID_STATUS_TRANSITION,
        )


async def reschedule(
    connector: Connector,
    lock: LockFactory,
    holds: HoldStore,
    care_unit_id: str,
    appointment_id: str,
    change: AppointmentChange,
) -> Appointment:
    """Move or edit an appointment; new time or resource is re-validated against free time.

    A move the EHR does not confirm holds its new time like a booking does (see ``write_holds``); a retry
    of it finds the move applied (checked for conflicts) or still pending."""
    _validate_change(change)
    current = await connector.get_appointment(care_unit_id, appointment_id)
    _ensure_changeable(current)
    moves = change.start is not None or (
        change.resource_id is not None and change.resource_id != current.resource_id
    )
    if not moves:
        return await connector.update_appointment(care_unit_id, appointment_id, change)
    start = change.start or current.start
    end = change.end or current.end
    resource_id = change.resource_id or current.resource_id
    if start < datetime.now(UTC):
        raise MedleyError.bad_request(
            "The requested start is in the past.", DetailCode.INVALID_TIME_WINDOW, path="start"
        )
    await connector.get_resource(care_unit_id, resource_id)
    async with lock(_lock_key(resource_id)):

        def same_move(hold: WriteHold) -> bool:
            return hold.appointment_id == appointment_id and (hold.start, hold.end) == (start, end)

        landed = await settle(connector, holds, resource_id, (start, end), Own(same_move))
        if landed is not None:
            return landed
        overlaps_itself = resource_id == current.resource_id and start < current.end and current.start < end
        if not overlaps_itself:
            # A move to free time elsewhere must match a free timeslot of the same service and length.
            matches = await _matching_slots(
                connector, care_unit_id, start, end, resource_id, current.healthcare_service_id
            )
            if not matches:
                raise _no_slot("No free timeslot matches the new start, end and resource.")
        elif connector.capabilities().booking_guard is BookingGuard.gateway:
            # A small shift overlapping its own slot: check the resource works then; conflicts decide the rest.
            # (An EHR that guards its own bookings validates the move itself, its own slot excluded.)
            await _ensure_within_schedule(connector, care_unit_id, resource_id, start, end)
        hold = HoldRequest(
            resource_id=resource_id,
            care_unit_id=care_unit_id,
            start=start,
            end=end,
            patient_id=current.patient_id,
            service_id=current.healthcare_service_id,
            appointment_id=appointment_id,
            moved_from=(current.resource_id, current.start, current.end),
        )
        async with held(holds, hold) as written:
            updated = await connector.update_appointment(
                care_unit_id,
                appointment_id,
                AppointmentChange(start=start, end=end, resource_id=resource_id, comment=change.comment),
            )
            written.confirmed = True
            back = AppointmentChange(start=current.start, end=current.end, resource_id=current.resource_id)
            if not await connector.check_own_write(care_unit_id, appointment_id, restore=back):
                written.confirmed = False  # moved back: the held time is free again
                raise _no_slot("The new time overlaps another booking.")
    return updated


async def _ensure_within_schedule(
    connector: Connector, care_unit_id: str, resource_id: str, start: datetime, end: datetime
) -> None:
    day_start = start - timedelta(hours=1)
    blocks = await connector.get_schedule(care_unit_id, resource_id, day_start, end + timedelta(hours=1))
    if not any(b.start <= start and end <= b.end for b in blocks):
        raise _no_slot("The resource does not work at the requested time.")


async def cancel(
    connector: Connector, care_unit_id: str, appointment_id: str, comment: str | None
) -> Appointment:
    """Cancel; cancelling an already-cancelled appointment returns it unchanged (safe to retry)."""
    check_comment(comment)
    current = await connector.get_appointment(care_unit_id, appointment_id)
    if current.status == AppointmentStatus.cancelled:
        return current
    _ensure_changeable(current)
    return await connector.cancel_appointment(care_unit_id, appointment_id, comment)


MAX_BULK_ITEMS = 50


def check_bulk_ids(ids: Sequence[str]) -> None:
    if not ids:
        raise MedleyError.bad_request(
            "'ids' must list at least one appointment.", DetailCode.MISSING_REQUIRED_FIELD, path="ids"
        )
    if len(ids) > MAX_BULK_ITEMS:
        raise MedleyError.bad_request(
            f"At most {MAX_BULK_ITEMS} appointments can be changed at once.",
            DetailCode.MAX_ITEMS_EXCEEDED,
            path="ids",
        )
    if len(set(ids)) != len(ids):
        raise MedleyError.bad_request("'ids' lists an appointment twice.", DetailCode.BAD_INPUT, path="ids")
