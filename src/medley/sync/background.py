"""The sync as ``medley worker`` runs it: with its own connectors, and its own sandbox emulator when the
sandbox is on (over a shared sandbox database, or the same SQLite files as ``medley serve``)."""

from __future__ import annotations

import httpx

from medley.config import Settings
from medley.services.connector_pool import ConnectorPool
from medley.store.applications import ensure_sandbox_application
from medley.store.database import Store
from medley.sync.reader import MirrorReader
from medley.sync.supervisor import SyncSupervisor


async def sync_in_worker(store: Store, settings: Settings) -> None:
    """Sync every connection this process can reach, until cancelled."""
    transport: httpx.AsyncBaseTransport | None = None
    sandbox = None
    if settings.sandbox:
        from medley.sandbox.cliniko.server import build_sandbox

        sandbox = build_sandbox(settings)
        await sandbox.start()
        await ensure_sandbox_application(store, settings)
        transport = httpx.ASGITransport(app=sandbox.app, raise_app_exceptions=False)
    connectors = ConnectorPool(settings, store, transport, mirror=MirrorReader(store, settings))
    try:
        await SyncSupervisor(store, settings, connectors).run()
    finally:
        await connectors.aclose()
        if sandbox is not None:
            await sandbox.stop()
