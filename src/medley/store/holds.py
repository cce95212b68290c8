"""Holds on time whose EHR write has an unknown outcome (DESIGN.md §3), shared by every replica.

A hold is placed just before a booking or a move is sent to the EHR and released as soon as its outcome is
known. One left behind (no answer, a timeout, a crash) keeps that practitioner's overlapping time taken
until the write is found by a lookup, or its horizon has passed and the EHR was checked once more.
Holds carry ids and times only.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from medley.store.database import Store
from medley.store.tables import WriteHoldRow


@dataclass(frozen=True, slots=True)
class WriteHold:
    """A write sent to the EHR whose outcome is not known yet: a new booking, or a move (``appointment_id``
    with ``moved_from``, the time to put back if the move lost a race)."""

    id: str
    resource_id: str
    care_unit_id: str
    start: datetime
    end: datetime
    horizon: datetime
    patient_id: str | None = None
    service_id: str | None = None
    appointment_id: str | None = None
    moved_from: tuple[str, datetime, datetime] | None = None

    @property
    def is_move(self) -> bool:
        return self.appointment_id is not None

    def passed(self, now: datetime) -> bool:
        return self.horizon <= now


@dataclass(frozen=True, slots=True)
class HoldRequest:
    """What to hold: the practitioner's time and what the write is (see ``WriteHold``)."""

    resource_id: str
    care_unit_id: str
    start: datetime
    end: datetime
    patient_id: str | None = None
    service_id: str | None = None
    appointment_id: str | None = None
    moved_from: tuple[str, datetime, datetime] | None = None


class HoldStore:
    """Places, lists and releases holds in the gateway's store. ``horizon`` bounds how long an unanswered
    write can still land: after it, one more look at the EHR settles the hold."""

    def __init__(self, store: Store, *, horizon: timedelta) -> None:
        self._store = store
        self.horizon = horizon

    async def place(self, request: HoldRequest) -> WriteHold:
        now = datetime.now(UTC)
        hold = WriteHold(
            id=secrets.token_hex(16),
            resource_id=request.resource_id,
            care_unit_id=request.care_unit_id,
            start=request.start,
            end=request.end,
            horizon=now + self.horizon,
            patient_id=request.patient_id,
            service_id=request.service_id,
            appointment_id=request.appointment_id,
            moved_from=request.moved_from,
        )
        moved = request.moved_from
        async with self._store.sessions() as session, session.begin():
            session.add(
                WriteHoldRow(
                    id=hold.id,
                    resource_id=hold.resource_id,
                    care_unit_id=hold.care_unit_id,
                    patient_id=hold.patient_id,
                    service_id=hold.service_id,
                    appointment_id=hold.appointment_id,
                    starts_at=hold.start,
                    ends_at=hold.end,
                    moved_from_resource_id=moved[0] if moved else None,
                    moved_from_starts_at=moved[1] if moved else None,
                    moved_from_ends_at=moved[2] if moved else None,
                    created_at=now,
                    horizon_at=hold.horizon,
                )
            )
        return hold

    async def overlapping(self, resource_id: str, start: datetime, end: datetime) -> list[WriteHold]:
        """Holds on ``resource_id``'s time overlapping ``[start, end)``, oldest first."""
        async with self._store.sessions() as session:
            rows = (
                await session.scalars(
                    select(WriteHoldRow)
                    .where(
                        WriteHoldRow.resource_id == resource_id,
                        WriteHoldRow.starts_at < end,
                        WriteHoldRow.ends_at > start,
                    )
                    .order_by(WriteHoldRow.created_at)
                )
            ).all()
        return [_hold_of(row) for row in rows]

    async def release(self, hold: WriteHold) -> None:
        async with self._store.sessions() as session, session.begin():
            await session.execute(delete(WriteHoldRow).where(WriteHoldRow.id == hold.id))


def _hold_of(row: WriteHoldRow) -> WriteHold:
    moved = None
    if row.moved_from_resource_id and row.moved_from_starts_at and row.moved_from_ends_at:
        moved = (row.moved_from_resource_id, row.moved_from_starts_at, row.moved_from_ends_at)
    return WriteHold(
        id=row.id,
        resource_id=row.resource_id,
        care_unit_id=row.care_unit_id,
        start=row.starts_at,
        end=row.ends_at,
        horizon=row.horizon_at,
        patient_id=row.patient_id,
        service_id=row.service_id,
        appointment_id=row.appointment_id,
        moved_from=moved,
    )
