"""What every emulator offers as a component, and running one alone (``medley sandbox <ehr>``).

An emulator's ``app`` is a plain ASGI app with no lifespan of its own, so the gateway can mount it
(``/sandbox/<ehr>``) or reach it in-process, and call ``start``/``stop`` itself. Served alone, the
lifespan below does that, and ``/health`` answers probes without credentials.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from medley.config import Settings
from medley.observability import configure_logging


class Emulator(Protocol):
    """An EHR emulator: an ASGI app over its own database, seeded at start."""

    @property
    def app(self) -> ASGIApp: ...

    async def start(self, *, reset: bool = False) -> None:
        """Migrate; with ``reset`` wipe every row; seed the practice if there is none yet."""

    async def stop(self) -> None: ...


async def _health(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def standalone_app(emulator: Emulator, *, reset: bool = False) -> Starlette:
    """The emulator served alone: its lifespan starts and stops it; ``/health`` for probes."""

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await emulator.start(reset=reset)
        try:
            yield
        finally:
            await emulator.stop()

    return Starlette(routes=[Route("/health", _health), Mount("/", app=emulator.app)], lifespan=lifespan)


def run_standalone(emulator: Emulator, settings: Settings, *, host: str, port: int, reset: bool) -> None:
    """Run ``emulator`` alone under uvicorn until interrupted."""
    configure_logging(settings.log_level)
    # uvicorn's access log prints query strings (patient searches): it stays off, as in ``medley serve``.
    uvicorn.run(
        standalone_app(emulator, reset=reset), host=host, port=port, log_level=settings.log_level, access_log=False
    )


def shown_host(host: str) -> str:
    """``host`` as it appears in a URL (IPv6 addresses in brackets)."""
    return f"[{host}]" if ":" in host else host
