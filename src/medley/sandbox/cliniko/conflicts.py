"""Double-booking detection for ``/conflicts``: Cliniko accepts overlaps and only reports them.

An interval conflicts when it overlaps another non-cancelled, non-archived individual appointment, a
non-archived class (group appointment) or a non-archived unavailable block of the same practitioner (at
any business). Touching ends do not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox.cliniko.tables import GroupAppointment, IndividualAppointment, UnavailableBlock

# Built once: building the expression costs more CPU than the query (every booking asks for it).
_NO_RECORD = -1
_OVERLAP = select(
    or_(
        exists().where(
            IndividualAppointment.practitioner_id == bindparam("practitioner_id"),
            IndividualAppointment.starts_at < bindparam("ends_at"),
            IndividualAppointment.ends_at > bindparam("starts_at"),
            IndividualAppointment.cancelled_at.is_(None),
            IndividualAppointment.archived_at.is_(None),
            IndividualAppointment.id != bindparam("appointment_id"),
        ),
        exists().where(
            GroupAppointment.practitioner_id == bindparam("practitioner_id"),
            GroupAppointment.starts_at < bindparam("ends_at"),
            GroupAppointment.ends_at > bindparam("starts_at"),
            GroupAppointment.archived_at.is_(None),
            GroupAppointment.id != bindparam("group_appointment_id"),
        ),
        exists().where(
            UnavailableBlock.practitioner_id == bindparam("practitioner_id"),
            UnavailableBlock.starts_at < bindparam("ends_at"),
            UnavailableBlock.ends_at > bindparam("starts_at"),
            UnavailableBlock.archived_at.is_(None),
            UnavailableBlock.id != bindparam("unavailable_block_id"),
        ),
    )
)


async def has_conflict(
    session: AsyncSession,
    *,
    practitioner_id: int,
    starts_at: datetime,
    ends_at: datetime,
    appointment_id: int | None = None,
    group_appointment_id: int | None = None,
    unavailable_block_id: int | None = None,
) -> bool:
    """True when ``[starts_at, ends_at)`` overlaps busy time other than the record itself."""
    values = {
        "practitioner_id": practitioner_id,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "appointment_id": appointment_id if appointment_id is not None else _NO_RECORD,
        "group_appointment_id": group_appointment_id if group_appointment_id is not None else _NO_RECORD,
        "unavailable_block_id": unavailable_block_id if unavailable_block_id is not None else _NO_RECORD,
    }
    return bool(await session.scalar(_OVERLAP, values))
