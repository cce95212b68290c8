"""Double-booking detection for ``/conflicts``: Cliniko accepts overlaps and only reports them.

An interval conflicts when it overlaps another non-cancelled, non-archived individual appointment or
a non-archived unavailable block of the same practitioner (at any business). Touching ends do not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox.cliniko.tables import IndividualAppointment, UnavailableBlock


async def has_conflict(
    session: AsyncSession,
    *,
    practitioner_id: int,
    starts_at: datetime,
    ends_at: datetime,
    appointment_id: int | None = None,
    unavailable_block_id: int | None = None,
) -> bool:
    """True when ``[starts_at, ends_at)`` overlaps busy time other than the record itself."""
    appointment_overlap = exists().where(
        IndividualAppointment.practitioner_id == practitioner_id,
        IndividualAppointment.starts_at < ends_at,
        IndividualAppointment.ends_at > starts_at,
        IndividualAppointment.cancelled_at.is_(None),
        IndividualAppointment.archived_at.is_(None),
        IndividualAppointment.id != (appointment_id if appointment_id is not None else -1),
    )
    block_overlap = exists().where(
        UnavailableBlock.practitioner_id == practitioner_id,
        UnavailableBlock.starts_at < ends_at,
        UnavailableBlock.ends_at > starts_at,
        UnavailableBlock.archived_at.is_(None),
        UnavailableBlock.id != (unavailable_block_id if unavailable_block_id is not None else -1),
    )
    return bool(await session.scalar(select(or_(appointment_overlap, block_overlap))))
