"""Typed dependencies the routes declare: the context, database sessions and request bodies.

Every dependency is ``async def``: FastAPI runs a plain ``def`` dependency in a thread pool.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox import sessions
from medley.sandbox.acuity.context import AcuityContext
from medley.sandbox.acuity.errors import expected_json_object
from medley.sandbox.acuity.tables import Account


async def get_context(request: Request) -> AcuityContext:
    context: AcuityContext = request.app.state.acuity_context
    return context


ContextDep = Annotated[AcuityContext, Depends(get_context)]


ReadSession = Annotated[AsyncSession, Depends(sessions.reading(get_context))]
WriteSession = Annotated[AsyncSession, Depends(sessions.writing(get_context))]
"""A session for routes that write; the route commits. On SQLite it holds the writer lock from its
first statement, so a check-then-book cannot be overtaken by another booking."""


async def load_account(session: AsyncSession) -> Account:
    account = await session.scalar(select(Account).limit(1))
    if account is None:
        raise RuntimeError("The emulator has no account: start() seeds one.")
    return account


async def read_json(request: Request, *, optional: bool = False) -> Any:
    """The parsed body; Acuity's ``bad_request`` when it is not JSON (an empty body is ``{}`` if ``optional``)."""
    raw = await request.body()
    if not raw.strip():
        if optional:
            return {}
        raise expected_json_object()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise expected_json_object() from None


async def read_json_object(request: Request, *, optional: bool = False) -> dict[str, Any]:
    body = await read_json(request, optional=optional)
    if not isinstance(body, dict):
        raise expected_json_object()
    return body
