"""Our own store unreachable: a 503 ``SERVICE_UNAVAILABLE`` with ``Retry-After``, and readiness that says so.

The errors below are handled like every other problem (by Starlette's exception middleware, not as an
unhandled 500), so the response is complete and the client's keep-alive connection stays usable. Nothing
is cached about the outage: the next request tries the store again, so service resumes without a restart.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from medley.api.problem import problem_response
from medley.domain.errors import DetailCode, ErrorCode, ErrorDetail, MedleyError
from medley.store.database import Store

logger = logging.getLogger("medley.api")

RETRY_AFTER_SECONDS = 5
READY_TIMEOUT_SECONDS = 2.0

# What a store that cannot be reached raises: refused or dropped connections (OSError, wrapped or not by
# SQLAlchemy), a full pool or disk, a connect timeout (TimeoutError is an OSError).
STORE_OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
    OSError,
)


def store_unavailable() -> MedleyError:
    detail = f"Medley's own store cannot be reached; retry in {RETRY_AFTER_SECONDS} s."
    return MedleyError(
        ErrorCode.SERVICE_UNAVAILABLE,
        detail,
        [ErrorDetail(DetailCode.STORE_UNAVAILABLE, detail)],
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def install_store_outage_handlers(app: FastAPI) -> None:
    async def on_outage(request: Request, exc: Exception) -> JSONResponse:
        # The type only: a driver's message may quote a statement or its parameters.
        logger.warning("store unreachable (%s) on %s %s", type(exc).__name__, request.method, request.url.path)
        return problem_response(request, store_unavailable())

    for error in STORE_OUTAGE_ERRORS:
        app.add_exception_handler(error, on_outage)


async def store_is_reachable(store: Store) -> bool:
    """One trivial query within ``READY_TIMEOUT_SECONDS``."""
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS), store.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        if isinstance(error, (*STORE_OUTAGE_ERRORS, sa_exc.DBAPIError)):
            return False
        raise
    return True


async def readiness(request: Request) -> JSONResponse:
    """``GET /ready``: 200 while the store answers, 503 (a problem with ``Retry-After``) while it does not."""
    if await store_is_reachable(request.app.state.runtime.store):
        return JSONResponse({"status": "ready"})
    return problem_response(request, store_unavailable())
