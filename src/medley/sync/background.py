"""The sync as ``medley worker`` runs it: with its own connectors, and its own sandbox emulator when the
sandbox is on (over a shared sandbox database, or the same SQLite files as ``medley serve``)."""

from __future__ import annotations

from medley.config import Settings
from medley.sandbox.embedded import build_sandboxes
from medley.sandbox.own_loop import EmbeddedSandboxes
from medley.services.connector_pool import ConnectorPool
from medley.store.applications import ensure_sandbox_application
from medley.store.database import Store
from medley.sync.reader import MirrorReader
from medley.sync.supervisor import SyncSupervisor


async def sync_in_worker(store: Store, settings: Settings) -> None:
    """Sync every connection this process can reach, until cancelled."""
    sandboxes = EmbeddedSandboxes(build_sandboxes(settings) if settings.sandbox else {})
    await sandboxes.start()
    if sandboxes.emulators:
        await ensure_sandbox_application(store, settings)
    connectors = ConnectorPool(settings, store, sandboxes.transports(), mirror=MirrorReader(store, settings))
    try:
        await SyncSupervisor(store, settings, connectors).run()
    finally:
        await connectors.aclose()
        await sandboxes.stop()
