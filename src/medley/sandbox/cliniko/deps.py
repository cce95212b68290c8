"""Typed dependencies the routes declare: the context, database sessions, links and the key's user.

Every dependency is ``async def``, even those that never wait: FastAPI runs a plain ``def`` dependency in a
thread pool, a thread hop per request that costs more than the dependency itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox import sessions
from medley.sandbox.cliniko.context import SandboxContext
from medley.sandbox.cliniko.tables import User
from medley.sandbox.cliniko.urls import Urls


async def get_context(request: Request) -> SandboxContext:
    context: SandboxContext = request.app.state.sandbox_context
    return context


ContextDep = Annotated[SandboxContext, Depends(get_context)]


ReadSession = Annotated[AsyncSession, Depends(sessions.reading(get_context))]
"""A session for GET routes."""

WriteSession = Annotated[AsyncSession, Depends(sessions.writing(get_context))]
"""A session for routes that write; the route commits. On SQLite it holds the writer lock from its
first statement, so a read-then-write cannot be overtaken by another writer."""


async def _urls(request: Request) -> Urls:
    return Urls.for_request(request)


UrlsDep = Annotated[Urls, Depends(_urls)]


async def key_user(session: AsyncSession) -> User:
    """The API key's owner: the user with the lowest id (the seeded practice makes it a practitioner)."""
    user = await session.scalar(select(User).order_by(User.id).limit(1))
    if user is None:
        raise RuntimeError("The emulator has no user: start() seeds one, or insert one before use.")
    return user
