"""Which connections this process syncs: every connection it can, under a lease, one task each.

``medley serve`` runs a supervisor in-process (the embedded default); ``medley worker`` runs one without
serving HTTP. With several processes on one PostgreSQL store each connection is synced by exactly one of
them at a time (``lease.py``); when a holder dies another takes over within one lease period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from functools import partial

from medley.config import Settings
from medley.connectors.lanes import Lane, current_lane
from medley.connectors.push import PushSource
from medley.connectors.sync_source import SyncSource
from medley.services.connector_pool import ConnectorPool
from medley.store.connections import Connection, list_all_connections
from medley.store.database import Store
from medley.sync import lease, mirror
from medley.sync.mirror import MirrorIdentity
from medley.sync.push import push_target, token_key
from medley.sync.runner import ConnectionSync

logger = logging.getLogger("medley.sync")

SCAN_SECONDS = 5.0
_RETRY_CAP_SECONDS = 120.0


class SyncSupervisor:
    def __init__(self, store: Store, settings: Settings, connectors: ConnectorPool) -> None:
        self._store = store
        self._settings = settings
        self._connectors = connectors
        # Host and pid tell an operator which process syncs what (``medley sync status``).
        self.holder = f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._token_key = token_key(settings.master_key.get_secret_value())

    async def run(self) -> None:
        """Scan for connections to sync until cancelled; then stop every connection's task."""
        try:
            while True:
                try:
                    await self._scan()
                except Exception:  # a store outage must not end the supervisor
                    logger.warning("sync: could not list connections; retrying", exc_info=False)
                # Often enough that a connection whose syncer died is taken over within one lease period.
                await asyncio.sleep(min(SCAN_SECONDS, self._settings.sync_lease_seconds / 3))
        finally:
            for task in self._tasks.values():
                task.cancel()
            for task in self._tasks.values():
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _scan(self) -> None:
        for connection_id, task in list(self._tasks.items()):
            if task.done():
                del self._tasks[connection_id]
        for connection in await list_all_connections(self._store):
            if connection.id in self._tasks:
                continue
            connector = self._connectors.build_for_worker(connection)
            if connector is None:
                continue
            source: SyncSource | None = getattr(connector, "sync_source", lambda: None)()
            if source is None:
                await connector.aclose()
                continue
            identity = MirrorIdentity(connection.id, connection.application_id, connection.emr)
            await mirror.ensure_mirror(self._store, identity)
            if not await lease.claim(self._store, connection.id, self.holder, self._settings.sync_lease_seconds):
                await connector.aclose()
                continue
            logger.info("sync: this process syncs connection %s", connection.id)
            usage = getattr(connector, "budget_usage", dict)
            sync = ConnectionSync(self._store, self._settings, identity, source, usage=usage)
            subscribe = self._subscriber(connection, connector)
            self._tasks[connection.id] = asyncio.create_task(
                self._hold(connection, sync, connector.aclose, subscribe), name=f"sync:{connection.id}"
            )

    def _subscriber(self, connection: Connection, connector: object) -> Callable[[], Awaitable[bool]] | None:
        """How to (re)register the connection with its EHR's own webhooks, when it has them and can reach us."""
        push: PushSource | None = getattr(connector, "push_source", lambda: None)()
        if push is None:
            return None
        target = push_target(
            self._settings,
            self._token_key,
            connection_id=connection.id,
            emr=connection.emr,
            sandbox=connection.kind == "sandbox",
        )
        return None if target is None else partial(push.subscribe, target)

    async def _hold(
        self,
        connection: Connection,
        sync: ConnectionSync,
        close: Callable[[], Awaitable[None]],
        subscribe: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        """Renew the lease and run the sync while held; stop as soon as the lease is lost."""
        syncing = asyncio.create_task(self._loop(sync, subscribe))
        try:
            while not syncing.done():
                await asyncio.sleep(self._settings.sync_lease_seconds / 3)
                if not await lease.claim(self._store, connection.id, self.holder, self._settings.sync_lease_seconds):
                    logger.warning("sync: lost the lease on connection %s", connection.id)
                    break
        except Exception:  # a store outage: give the lease up, the next scan retries
            logger.warning("sync: could not renew the lease on connection %s", connection.id)
        finally:
            syncing.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await syncing
            with contextlib.suppress(Exception):
                await lease.release(self._store, connection.id, self.holder)
            with contextlib.suppress(Exception):
                await close()

    async def _loop(self, sync: ConnectionSync, subscribe: Callable[[], Awaitable[bool]] | None) -> None:
        current_lane.set(Lane.sync)  # this task's own context: every upstream call of the sync is in its lane
        failures = 0
        while True:
            try:
                ran = await sync.cycle()
                failures = 0
                if ran == "gone":
                    return
                if ran == "reconcile" and subscribe is not None:
                    # After each reconcile (the safety net for what a push missed), so a registration removed in
                    # the EHR comes back; the first reconcile has made the mirror live before pushes arrive.
                    await _quietly(subscribe, sync.identity.connection_id)
                delay = self._settings.sync_interval_seconds
            except asyncio.CancelledError:
                raise
            except Exception:  # recorded by the sync; back off and try again
                failures += 1
                # The first retry comes after one interval; repeated failures back off (an outage, a 429).
                delay = min(_RETRY_CAP_SECONDS, self._settings.sync_interval_seconds * 2 ** min(failures - 1, 6))
            await asyncio.sleep(delay)


async def _quietly(subscribe: Callable[[], Awaitable[bool]], connection_id: str) -> None:
    """A registration that fails (the EHR unreachable, a refusal) is logged and tried at the next reconcile."""
    try:
        if await subscribe():
            logger.debug("sync: connection %s is registered with its EHR's webhooks", connection_id)
    except Exception as error:  # never the sync's failure: its reads are the safety net
        logger.warning("sync: webhook registration of connection %s failed (%s)", connection_id, type(error).__name__)
