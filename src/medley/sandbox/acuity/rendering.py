"""Rendering appointments needs their type, calendar and the account: loaded once per request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox.acuity import serializers
from medley.sandbox.acuity.deps import load_account
from medley.sandbox.acuity.tables import Account, Appointment, AppointmentType, Calendar


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The account, every calendar and every type (a practice has tens, not thousands)."""

    account: Account
    calendars: dict[int, Calendar]
    types: dict[int, AppointmentType]

    @classmethod
    async def load(cls, session: AsyncSession) -> Catalogue:
        account = await load_account(session)
        calendars = {row.id: row for row in await session.scalars(select(Calendar))}
        types = {row.id: row for row in await session.scalars(select(AppointmentType))}
        return cls(account, calendars, types)

    def appointment(self, row: Appointment, *, now: datetime, include_forms: bool = True) -> dict[str, Any]:
        return serializers.appointment(
            row,
            kind=self.types[row.appointment_type_id],
            calendar_row=self.calendars[row.calendar_id],
            account=self.account,
            now=now,
            include_forms=include_forms,
        )

    def appointments(self, rows: Sequence[Appointment], *, now: datetime, include_forms: bool) -> list[dict[str, Any]]:
        return [self.appointment(row, now=now, include_forms=include_forms) for row in rows]
