"""Our EHR emulators in a test: one started for the test's span, and a connector reaching it.

The connector is built the way the gateway builds one (the registry), reaching the emulator in-process
through its ASGI app, or over the network when no app is given (``base_url`` then names a served one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TypeVar

import httpx
from starlette.types import ASGIApp

from medley.config import Settings
from medley.connectors.base import Connector
from medley.connectors.registry import build_connector
from medley.sandbox.serving import Emulator

_E = TypeVar("_E", bound=Emulator)
_C = TypeVar("_C", bound=Connector)


@asynccontextmanager
async def running(emulator: _E) -> AsyncIterator[_E]:
    """The emulator started (migrated and seeded) and stopped again afterwards."""
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@asynccontextmanager
async def connected(
    kind: type[_C],
    emr: str,
    credentials: Mapping[str, str],
    settings: Settings,
    *,
    base_url: str,
    app: ASGIApp | None = None,
) -> AsyncIterator[_C]:
    """A ``kind`` connector for ``emr`` with ``credentials``, closed afterwards."""
    transport = httpx.ASGITransport(app=app) if app is not None else None
    connector = build_connector(emr, credentials, settings=settings, transport=transport, base_url=base_url)
    assert isinstance(connector, kind)
    try:
        yield connector
    finally:
        await connector.aclose()
