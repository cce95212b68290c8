"""Writes whose outcome is unknown hold their time (DESIGN.md §3), and are settled before that time is used.

``held`` wraps one booking or move sent to the EHR: the hold is placed first (so even a crash leaves it
behind) and released once the outcome is known. ``settle`` runs inside the practitioner's booking lock,
before the live re-check: every hold overlapping the wanted time is looked up in the EHR; a write that
landed is checked for conflicts and undone if it overlaps; a write not seen yet keeps its time taken until
its horizon has passed.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from medley.connectors.base import Connector
from medley.domain.errors import DetailCode, ErrorCode, ErrorDetail, MedleyError
from medley.domain.models import Appointment, AppointmentChange, AppointmentQuery, AppointmentStatus
from medley.store.holds import HoldRequest, HoldStore, WriteHold

logger = logging.getLogger("medley.booking")

Span = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Own:
    """What the caller's own earlier attempt would have written (a retry with an Idempotency-Key)."""

    matches: Callable[[WriteHold], bool]


def _refused(error: MedleyError) -> bool:
    # A 4xx is the EHR (or our budget) saying no: nothing was written. A timeout or a 5xx may still land.
    return (error.status or 500) < 500


@dataclass
class Written:
    """Marked by the block once the EHR confirmed the write: from then on, only a finished check releases
    the hold (a refused conflicts check must not, the write stands unchecked)."""

    confirmed: bool = False


@asynccontextmanager
async def held(holds: HoldStore, request: HoldRequest) -> AsyncIterator[Written]:
    """Hold ``request``'s time around the block that writes it and checks it. The hold stays when the block
    ends without knowing the outcome (no answer, a timeout, a cancelled task, a check that failed after the
    write); the EHR refusing the write, or the block finishing, releases it."""
    hold = await holds.place(request)
    written = Written()
    try:
        yield written
    except MedleyError as error:
        if _refused(error) and not written.confirmed:
            await holds.release(hold)  # the EHR refused the write: nothing was written
        raise
    else:
        await holds.release(hold)


async def settle(
    connector: Connector, holds: HoldStore, resource_id: str, span: Span, own: Own | None = None
) -> Appointment | None:
    """Settle the holds on ``resource_id``'s time overlapping ``span``.

    Returns the caller's own earlier write when it landed and stands (checked for conflicts); raises 409
    while another write's outcome is unknown, and 504 while the caller's own is.
    """
    begin, end = span
    now = datetime.now(UTC)
    found: Appointment | None = None
    for hold in await holds.overlapping(resource_id, begin, end):
        mine = own is not None and own.matches(hold)
        outcome = await _resolve(connector, holds, hold, now)
        if outcome is _PENDING:
            raise _pending(hold, now, mine)
        if mine and isinstance(outcome, Appointment):
            found = outcome
    return found


class _Pending:
    pass


_PENDING = _Pending()


async def _resolve(
    connector: Connector, holds: HoldStore, hold: WriteHold, now: datetime
) -> Appointment | _Pending | None:
    """The held write's outcome: the appointment it made (standing), None (never landed, or undone), or
    pending. Settled holds are released."""
    look = _look_up_move if hold.is_move else _look_up_booking
    landed = await look(connector, hold)
    if landed is None:
        if not hold.passed(now):
            return _PENDING
        logger.info("write hold %s… passed its horizon unseen; released", hold.id[:8])
        await holds.release(hold)
        return None
    if not await connector.check_own_write(hold.care_unit_id, landed.id, restore=_restore(hold)):
        logger.warning("a late write (appointment %s) overlapped another booking; undone", landed.id)
        await holds.release(hold)
        return None
    logger.info("a late write (appointment %s) landed and overlaps nothing", landed.id)
    await holds.release(hold)
    return landed


async def _look_up_booking(connector: Connector, hold: WriteHold) -> Appointment | None:
    query = AppointmentQuery(
        patient_id=hold.patient_id, resource_id=hold.resource_id, start=hold.start, end=hold.end
    )
    for appointment in await connector.list_appointments(hold.care_unit_id, query):
        if (
            appointment.status == AppointmentStatus.booked
            and appointment.start == hold.start
            and appointment.end == hold.end
            and hold.service_id in (None, appointment.healthcare_service_id)
        ):
            return appointment
    return None


async def _look_up_move(connector: Connector, hold: WriteHold) -> Appointment | None:
    assert hold.appointment_id is not None
    try:
        appointment = await connector.get_appointment(hold.care_unit_id, hold.appointment_id)
    except MedleyError as error:
        if error.code == ErrorCode.NOT_FOUND:
            return None
        raise
    moved = (
        appointment.status == AppointmentStatus.booked
        and appointment.start == hold.start
        and appointment.end == hold.end
        and appointment.resource_id == hold.resource_id
    )
    return appointment if moved else None


def _restore(hold: WriteHold) -> AppointmentChange | None:
    """Where a held move came from (an undone move goes back there); ``None`` for a new booking."""
    if hold.moved_from is None:
        return None
    resource_id, start, end = hold.moved_from
    return AppointmentChange(start=start, end=end, resource_id=resource_id)


def _pending(hold: WriteHold, now: datetime, mine: bool) -> MedleyError:
    wait = str(max(1, math.ceil((hold.horizon - now).total_seconds())))
    if mine:
        detail = f"The EHR has not confirmed an earlier attempt of this request yet; retry in {wait} s."
        return MedleyError(
            ErrorCode.TIMEOUT,
            detail,
            [ErrorDetail(DetailCode.WRITE_OUTCOME_PENDING, detail)],
            headers={"Retry-After": wait},
        )
    detail = f"This time is held by a booking the EHR has not confirmed yet; retry in {wait} s."
    return MedleyError(
        ErrorCode.CONFLICT,
        detail,
        [ErrorDetail(DetailCode.NO_TIMESLOTS_AVAILABLE, detail)],
        headers={"Retry-After": wait},
    )
