"""Calls an EHR makes to us (its own webhooks): find the connection, check the EHR's signature, apply.

The URL's token names the connection (``medley.sync.push``); the gateway keeps its connections' tokens in
memory and reads the store again when a token is unknown, at most once per ``RESCAN_SECONDS`` (a flood of
made-up tokens costs one store read a second). Whatever is wrong (an unknown token, a connection of another
EHR, one whose credentials this process cannot open, a missing or wrong signature) is one answer, 401,
so the route tells nothing about which tokens exist; nothing is read or written before the signature is
checked. What a verified call names is read from the EHR and applied to the connection's mirror exactly as
a sync read is: the mirror compares it with what it held, so a change heard here and seen again by the sync
(or made by us) gives one event.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum

from medley.config import Settings
from medley.connectors.lanes import Lane, in_lane
from medley.connectors.push import PushSource
from medley.domain.errors import ErrorCode, ErrorDetail, MedleyError
from medley.services.connector_pool import ConnectorPool
from medley.store.connections import Connection, list_all_connections
from medley.store.database import Store
from medley.sync import mirror
from medley.sync.mirror import MirrorIdentity
from medley.sync.push import inbound_token, token_key
from medley.sync.reader import MirrorReader

logger = logging.getLogger("medley.inbound")

RESCAN_SECONDS = 1.0
MAX_BODY_BYTES = 8 * 1024  # Acuity's deliveries are a few fields


class Outcome(StrEnum):
    applied = "applied"  # read from the EHR and applied to the mirror (events recorded if anything changed)
    deferred = "deferred"  # verified, but the EHR could not be read now: the next sync sees the change


def refused() -> MedleyError:
    detail = "This call is not signed by the EHR of a connection of this server."
    return MedleyError(ErrorCode.UNAUTHORIZED, detail, [ErrorDetail("UNAUTHORIZED", detail)])


class InboundPushes:
    def __init__(self, store: Store, settings: Settings, connectors: ConnectorPool, reader: MirrorReader) -> None:
        self._store = store
        self._connectors = connectors
        self._reader = reader
        self._key = token_key(settings.master_key.get_secret_value())
        self._by_token: dict[str, Connection] = {}
        self._scanned_at = float("-inf")

    async def receive(self, emr: str, token: str, body: bytes, headers: Mapping[str, str]) -> Outcome:
        """Verify and apply one call; raises the 401 ``refused()`` for anything not signed by the EHR."""
        connection = await self._connection(emr, token)
        if connection is None or len(body) > MAX_BODY_BYTES:
            raise refused()
        connector = await self._connectors.pushed_connector(connection)
        push: PushSource | None = getattr(connector, "push_source", lambda: None)() if connector else None
        if push is None or not push.verify(body, headers):
            raise refused()
        read_at = datetime.now(UTC)
        try:
            with in_lane(Lane.sync):
                bookings = await push.changed_bookings(body)
        except MedleyError as error:
            logger.warning("inbound: connection %s: the EHR could not be read (%s)", connection.id, error.code)
            return Outcome.deferred
        if bookings:
            identity = MirrorIdentity(connection.id, connection.application_id, connection.emr)
            await mirror.apply_bookings(self._store, identity, bookings, announce=True, read_at=read_at)
            self._reader.forget(connection.id)
        return Outcome.applied

    async def _connection(self, emr: str, token: str) -> Connection | None:
        found = self._lookup(emr, token)
        if found is None and time.monotonic() - self._scanned_at >= RESCAN_SECONDS:
            self._scanned_at = time.monotonic()
            connections = await list_all_connections(self._store)
            self._by_token = {inbound_token(self._key, c.id): c for c in connections}
            found = self._lookup(emr, token)
        return found

    def _lookup(self, emr: str, token: str) -> Connection | None:
        connection = self._by_token.get(token)
        return connection if connection is not None and connection.emr == emr else None
