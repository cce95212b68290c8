"""The connector's view of its connection's mirror (``connectors.sync_source.MirrorLink``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from medley.connectors.sync_source import Booking, FreeDay
from medley.events.transactions import read_then_write
from medley.store.database import Store
from medley.store.tables import MirrorBookingRow
from medley.sync import free_days, mirror
from medley.sync.mirror import MirrorIdentity
from medley.sync.reader import MirrorReader

logger = logging.getLogger("medley.sync")


class ConnectionMirror:
    """One connection's mirror, for its connector: reference data to read, our own writes to apply."""

    def __init__(self, store: Store, reader: MirrorReader, identity: MirrorIdentity) -> None:
        self._store = store
        self._reader = reader
        self.identity = identity
        self._exists = False  # the mirror row, once seen: it goes only with its connection, and this link with it

    async def reference_document(self) -> dict[str, Any] | None:
        try:
            return await self._reader.reference_document(self.identity.connection_id)
        except Exception:  # the mirror is an optimisation: on any failure, read the EHR
            logger.warning("sync: the mirror of connection %s could not be read", self.identity.connection_id)
            return None

    async def _ensure_mirror(self) -> None:
        # Once per link: on a booking's path every store round trip counts (bench/read_storm.py).
        if not self._exists:
            await mirror.ensure_mirror(self._store, self.identity)
            self._exists = True

    async def bookings_written(self, bookings: list[Booking]) -> None:
        try:
            await self._ensure_mirror()
            await mirror.apply_bookings(self._store, self.identity, bookings, announce=True, own=True)
            self._reader.forget(self.identity.connection_id)
        except Exception:  # the EHR confirmed the write; the sync will catch up
            logger.warning("sync: our write could not be applied to the mirror of %s", self.identity.connection_id)

    async def booking_removed(self, kind: str, booking_id: str) -> None:
        try:
            async with self._store.sessions() as session:
                row = (
                    await session.scalars(
                        select(MirrorBookingRow).where(
                            MirrorBookingRow.connection_id == self.identity.connection_id,
                            MirrorBookingRow.kind == kind,
                            MirrorBookingRow.booking_id == booking_id,
                        )
                    )
                ).first()
            if row is None:
                return
            gone = Booking(
                kind=kind,
                booking_id=booking_id,
                care_unit_id=row.care_unit_id,
                resource_id=row.resource_id,
                service_id=row.service_id,
                patient_id=row.patient_id,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                status="archived",
                updated_at=datetime.now(UTC),
            )
            await mirror.apply_bookings(self._store, self.identity, [gone], announce=True, own=True)
            self._reader.forget(self.identity.connection_id)
        except Exception:  # as above
            logger.warning("sync: our delete could not be applied to the mirror of %s", self.identity.connection_id)

    async def time_freed(self, bookings: list[Booking]) -> None:
        # Made apart from ``bookings_written``: the EHR's own push of the same change may have reached the mirror
        # first, and then the written booking changes nothing there and frees nothing.
        try:
            touches = [free_days.Touch(b.resource_id, b.service_id, b.starts_at, b.ends_at, False) for b in bookings]
            if touches:
                async with read_then_write(self._store) as session:
                    await free_days.touch(session, self.identity.connection_id, touches, drop_freed=True)
                self._reader.forget(self.identity.connection_id)
        except Exception:  # as above
            logger.warning("sync: freed time could not be applied to the mirror of %s", self.identity.connection_id)

    async def free_days_read(self, days: Sequence[FreeDay], read_started: datetime) -> None:
        try:
            await self._ensure_mirror()
            await free_days.store_days(self._store, self.identity.connection_id, days, read_started)
            self._reader.forget(self.identity.connection_id)
        except Exception:  # the read has its answer; the sync reads these days itself
            logger.warning("sync: a live read could not warm the mirror of %s", self.identity.connection_id)
