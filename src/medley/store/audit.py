"""The audit trail: which application did what, when, to which record ids, with which outcome.

Events carry ids and outcomes only, never clinical content or names. ``record`` writes one event;
``AuditWriter`` buffers events and writes them in batches off the request path.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError

from medley.store.audit_ids import audited_id
from medley.store.database import Store
from medley.store.tables import AuditEventRow

logger = logging.getLogger(__name__)

MAX_RECORD_IDS = 100
MAX_LIST_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class AuditEvent:
    at: datetime
    application_id: str
    operation: str
    """What was done, e.g. ``appointments.create`` (the connector operation names)."""
    method: str
    path_template: str
    """The route template, e.g. ``/api/emrs/{emr}/care-units/{care_unit_id}/appointments``, never the URL."""
    status_code: int
    request_id: str
    record_ids: tuple[str, ...] = ()
    id: int | None = field(default=None, compare=False)


def _row_values(event: AuditEvent) -> dict[str, object]:
    if event.at.tzinfo is None:
        raise ValueError("audit events need a timezone-aware time")
    return {
        "at": event.at,
        "application_id": event.application_id,
        "operation": event.operation[:64],
        "method": event.method.upper()[:10],
        "path_template": event.path_template[:255],
        "record_ids": [str(record_id)[:128] for record_id in event.record_ids[:MAX_RECORD_IDS]],
        "status_code": event.status_code,
        "request_id": event.request_id[:64],
    }


async def record(store: Store, event: AuditEvent) -> None:
    """Write one event."""
    await record_many(store, [event])


async def record_many(store: Store, events: Sequence[AuditEvent]) -> None:
    """Write several events in one transaction."""
    if not events:
        return
    async with store.sessions() as session, session.begin():
        # The table's Core insert, not the ORM entity's: the ORM's bulk path costs several times more per row,
        # and every request of the gateway writes one.
        await session.execute(insert(cast(Table, AuditEventRow.__table__)), [_row_values(event) for event in events])


async def list_events(store: Store, app_id: str, limit: int = 100) -> list[AuditEvent]:
    """The application's most recent events, newest first."""
    limit = max(1, min(limit, MAX_LIST_LIMIT))
    async with store.sessions() as session:
        rows = await session.scalars(
            select(AuditEventRow)
            .where(AuditEventRow.application_id == app_id)
            .order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc())
            .limit(limit)
        )
        return [
            AuditEvent(
                id=row.id, at=row.at, application_id=row.application_id, operation=row.operation,
                method=row.method, path_template=row.path_template, record_ids=tuple(row.record_ids),
                status_code=row.status_code, request_id=row.request_id,
            )
            for row in rows
        ]


class AuditWriter:
    """Buffers events and writes them in batches, so recording costs a request almost nothing.

    Every record id passes through ``audit_ids.audited_id`` on the way in: national ids and other values that
    are not EHR ids are kept only as keyed hashes (``id_key``, from ``audit_ids.audit_id_key``; without one, a
    key of this process, so nothing in clear either way).

    ``start()`` once (inside the event loop), ``add(event)`` from requests, ``aclose()`` at shutdown to
    write what is left. When the buffer is full (the store is down or too slow), the oldest events are
    dropped and counted in ``dropped``, rather than letting memory grow without bound.
    """

    def __init__(
        self,
        store: Store,
        *,
        id_key: bytes | None = None,
        flush_interval: float = 0.5,
        batch_size: int = 500,
        max_buffered: int = 50_000,
    ) -> None:
        self._store = store
        self._id_key = id_key if id_key is not None else os.urandom(32)
        self._flush_interval = flush_interval
        self._batch_size = batch_size
        self._max_buffered = max_buffered
        self._buffer: list[AuditEvent] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="medley-audit-writer")

    def add(self, event: AuditEvent) -> None:
        # ``emr_id:7`` and ``7`` are one record: dedupe after normalising.
        if event.record_ids:  # most reads name no record: no copy of the event then
            ids = tuple(dict.fromkeys(audited_id(str(record_id), self._id_key) for record_id in event.record_ids))
            event = dataclasses.replace(event, record_ids=ids)
        self._buffer.append(event)
        overflow = len(self._buffer) - self._max_buffered
        if overflow > 0:
            del self._buffer[:overflow]
            self.dropped += overflow
        if len(self._buffer) >= self._batch_size:
            self._wake.set()

    async def flush(self) -> None:
        """Write everything buffered so far."""
        while self._buffer:
            batch, self._buffer = self._buffer[: self._batch_size], self._buffer[self._batch_size :]
            try:
                await record_many(self._store, batch)
            except IntegrityError:
                # One bad event (e.g. its application is gone) must not block the batch forever.
                await self._write_one_by_one(batch)
            except BaseException:
                # Put the batch back for the next round (or for aclose): one failed write loses nothing.
                self._buffer[:0] = batch
                raise

    async def _write_one_by_one(self, batch: list[AuditEvent]) -> None:
        for event in batch:
            try:
                await record(self._store, event)
            except IntegrityError:
                self.dropped += 1
                logger.warning("dropped an audit event the store refused (application %s)", event.application_id)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._flush_interval)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                logger.exception("could not write %d audit events; will retry", len(self._buffer))
