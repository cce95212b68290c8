"""An ASGI app served by uvicorn on a free local port, in the test's own event loop, over real sockets."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, Literal

import uvicorn

from tests.support.server import free_port

_START_SECONDS = 10.0
_POLL_SECONDS = 0.01


@contextlib.asynccontextmanager
async def served(
    app: Any, *, lifespan: Literal["auto", "on", "off"] = "off", log_level: str = "warning"
) -> AsyncIterator[str]:
    """Serve ``app`` for the duration; yields its base URL (``http://127.0.0.1:<port>``). With ``lifespan="auto"``
    the app's own lifespan runs (an emulator served alone starts and stops itself that way)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level=log_level, lifespan=lifespan))
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(int(_START_SECONDS / _POLL_SECONDS)):
            if server.started:
                break
            await asyncio.sleep(_POLL_SECONDS)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
