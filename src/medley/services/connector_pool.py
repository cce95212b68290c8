"""Live connectors per (application, EHR): built once from decrypted credentials, then reused.

Reuse matters: a connector owns its HTTP connection pool and its short reference-data cache.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import httpx

from medley.config import Settings
from medley.connectors.base import Connector
from medley.connectors.registry import build_connector
from medley.domain.errors import DetailCode, ErrorCode, ErrorDetail, MedleyError
from medley.store.connections import (
    Connection,
    decrypt_credentials,
    ensure_worker_credentials,
    get_connection,
    open_worker_credentials,
)
from medley.store.crypto import DecryptionError
from medley.store.database import Store
from medley.sync.link import ConnectionMirror
from medley.sync.mirror import MirrorIdentity
from medley.sync.reader import MirrorReader

logger = logging.getLogger(__name__)

# Where each in-process emulator is reached (through its ASGI transport: the host is never resolved). The paths
# are the real APIs' own, so the connector builds exactly the URLs it builds against the real EHR.
SANDBOX_BASE_URLS = {"cliniko": "http://cliniko-sandbox.internal/v1", "acuity": "http://acuity-sandbox.internal/api/v1"}
SandboxTransports = Mapping[str, httpx.AsyncBaseTransport]
# How long a replica trusts its memory of an application's connection before reading the store again:
# a connection added or replaced with the CLI is picked up by every replica within this time.
CONNECTION_CACHE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class _Key:
    application_id: str
    emr: str
    fingerprint: str


class ConnectorPool:
    """A bounded cache of connectors; a sandbox connection reaches its EHR's emulator in-process."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        sandbox_transports: SandboxTransports | None,
        max_size: int = 256,
        mirror: MirrorReader | None = None,
    ) -> None:
        """``sandbox_transports``: the in-process emulators by EHR code (none when the sandbox is off)."""
        self._settings = settings
        self._store = store
        self._sandbox_transports = dict(sandbox_transports or {})
        self._mirror = mirror
        self._max_size = max_size
        self._connectors: OrderedDict[_Key, Connector] = OrderedDict()
        self._connections: OrderedDict[tuple[str, str], tuple[Connection | None, float]] = OrderedDict()
        self._reading: dict[tuple[str, str], asyncio.Future[Connection | None]] = {}
        self._lock = asyncio.Lock()
        self._unreadable_logged: set[str] = set()
        # Connectors opened with the master key alone for calls an EHR makes to us, by connection id.
        self._pushed: dict[str, tuple[datetime, Connector]] = {}

    async def _connection(self, application_id: str, emr: str) -> Connection | None:
        key = (application_id, emr)
        cached = self._connections.get(key)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        # One store read per expiry, however many requests arrive meanwhile: under load, every request in
        # flight would otherwise miss at the same moment and each read the store.
        pending = self._reading.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        reading = asyncio.ensure_future(get_connection(self._store, application_id, emr))
        self._reading[key] = reading
        try:
            connection = await asyncio.shield(reading)
        finally:
            self._reading.pop(key, None)
        self._connections[key] = (connection, now + CONNECTION_CACHE_SECONDS)
        self._connections.move_to_end(key)
        while len(self._connections) > self._max_size:
            self._connections.popitem(last=False)
        return connection

    async def connection_of(self, application_id: str, emr: str) -> Connection | None:
        """The application's connection to ``emr`` (remembered for a few seconds)."""
        return await self._connection(application_id, emr)

    def mirrorable(self, connection: Connection) -> bool:
        """Whether this process may keep (and read) a mirror of the connection. A sandbox practice lives in each
        process's own emulator unless its database is shared: then only a one-machine SQLite store is safe."""
        if self._mirror is None:
            return False
        if connection.kind != "sandbox":
            return True
        shared_database = self._settings.sandbox_database_url is not None or (
            connection.emr == "acuity" and self._settings.sandbox_acuity_database_url is not None
        )
        return connection.emr in self._sandbox_transports and (shared_database or self._store.is_sqlite)

    def build_for_worker(self, connection: Connection) -> Connector | None:
        """A connector for the background sync, opened with the master key alone; ``None`` when the connection
        has no copy for workers yet (it gets one on its first use by a client) or cannot be synced here."""
        if not self.mirrorable(connection):
            return None
        try:
            credentials = open_worker_credentials(connection, master_key=self._settings.master_key.get_secret_value())
        except DecryptionError:
            self._unreadable(connection)
            return None
        if credentials is None:
            return None
        return self._connect(connection, credentials)

    async def pushed_connector(self, connection: Connection) -> Connector | None:
        """The connector that checks and reads an EHR's call about ``connection`` (its own webhooks), opened like
        the sync's and kept for reuse; ``None`` when this process cannot open it or keeps no mirror of it."""
        kept = self._pushed.get(connection.id)
        if kept is not None and kept[0] == connection.created_at:
            return kept[1]
        async with self._lock:  # one connector per connection, even for two first calls at once
            kept = self._pushed.get(connection.id)
            if kept is not None and kept[0] == connection.created_at:
                return kept[1]
            connector = self.build_for_worker(connection)
            if connector is None:
                return None
            self._pushed[connection.id] = (connection.created_at, connector)
        if kept is not None:  # the connection was added again: its old connector is done with
            await kept[1].aclose()
        return connector

    async def connector_for(self, application_id: str, client_secret: str, emr: str) -> Connector:
        connection = await self._connection(application_id, emr)
        if connection is None:
            raise MedleyError.not_found(
                f"This application has no '{emr[:32]}' connection.", DetailCode.INVALID_EMR
            )
        key = _Key(application_id, emr, self._fingerprint(connection, client_secret))
        cached = self._connectors.get(key)
        if cached is not None:  # the usual case, without the lock: nothing awaits between the lookup and here
            self._connectors.move_to_end(key)
            return cached
        async with self._lock:
            cached = self._connectors.get(key)
            if cached is not None:
                self._connectors.move_to_end(key)
                return cached
            connector = self._build(connection, client_secret)
            self._connectors[key] = connector
            backfill = connection.worker_credentials is None
            evicted = (
                self._connectors.popitem(last=False)[1] if len(self._connectors) > self._max_size else None
            )
        if evicted is not None:
            await evicted.aclose()
        if backfill:
            credentials = decrypt_credentials(
                connection, master_key=self._settings.master_key.get_secret_value(), client_secret=client_secret
            )
            await ensure_worker_credentials(
                self._store, connection, credentials, master_key=self._settings.master_key.get_secret_value()
            )
            self._connections.pop((application_id, emr), None)
        return connector

    def _fingerprint(self, connection: Connection, client_secret: str) -> str:
        # The secret is part of the key so a wrong secret can never reuse a connector built with the right one.
        material = f"{connection.id}|{connection.created_at.timestamp()}|{client_secret}"
        return hashlib.sha256(material.encode()).hexdigest()

    def _build(self, connection: Connection, client_secret: str) -> Connector:
        try:
            credentials = decrypt_credentials(
                connection, master_key=self._settings.master_key.get_secret_value(), client_secret=client_secret
            )
        except DecryptionError:
            raise self._unreadable(connection) from None
        return self._connect(connection, credentials)

    def _connect(self, connection: Connection, credentials: dict[str, str]) -> Connector:
        mirror = None
        if self._mirror is not None and self.mirrorable(connection):
            identity = MirrorIdentity(connection.id, connection.application_id, connection.emr)
            mirror = ConnectionMirror(self._store, self._mirror, identity)
        if connection.kind == "sandbox":
            transport = self._sandbox_transports.get(connection.emr)
            if transport is None:
                raise MedleyError.not_found(
                    f"The {connection.emr} sandbox is turned off on this server.", DetailCode.INVALID_EMR
                )
            return build_connector(
                connection.emr,
                credentials,
                settings=self._settings,
                transport=transport,
                base_url=SANDBOX_BASE_URLS.get(connection.emr),
                mirror=mirror,
            )
        return build_connector(
            connection.emr, credentials, settings=self._settings, base_url=connection.base_url, mirror=mirror
        )

    def _unreadable(self, connection: Connection) -> MedleyError:
        """The client secret was verified, so a connection that cannot be opened was sealed under another master
        key (or before a change of secret): only adding it again helps. Logged once per connection, no traceback."""
        if connection.id not in self._unreadable_logged:
            self._unreadable_logged.add(connection.id)
            logger.error(
                "connection %s (%s, application %s) cannot be opened with this server's master key: "
                "it was sealed under another key; add it again with `medley connections add`",
                connection.id, connection.emr, connection.application_id,
            )
        detail = (
            f"This application's '{connection.emr}' connection ({connection.id}) was sealed under another master key "
            "and cannot be opened by this server: add the connection again (medley connections add)."
        )
        return MedleyError(
            ErrorCode.SERVICE_UNAVAILABLE, detail, [ErrorDetail(DetailCode.CONNECTION_UNREADABLE, detail)]
        )

    async def aclose(self) -> None:
        async with self._lock:
            connectors = list(self._connectors.values()) + [c for _, c in self._pushed.values()]
            self._connectors.clear()
            self._pushed.clear()
        for connector in connectors:
            await connector.aclose()
