"""The database sessions an emulator's routes declare (FastAPI dependencies), over its context's `Database`.

Every dependency is ``async def``: FastAPI runs a plain ``def`` dependency in a thread pool, a thread hop per
request that costs more than the dependency itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox.database import Database


class _WithDatabase(Protocol):
    @property
    def database(self) -> Database: ...


SessionDependency = Callable[[Request], AsyncIterator[AsyncSession]]


def reading(get_context: Callable[[Request], Awaitable[_WithDatabase]]) -> SessionDependency:
    """A dependency yielding a read session of the context ``get_context`` finds."""

    async def read_session(request: Request) -> AsyncIterator[AsyncSession]:
        context = await get_context(request)
        async with context.database.reader() as session:
            yield session

    return read_session


def writing(get_context: Callable[[Request], Awaitable[_WithDatabase]]) -> SessionDependency:
    """A dependency yielding a write session (the route commits). On SQLite it holds the writer lock from
    its first statement, so a read-then-write cannot be overtaken by another writer."""

    async def write_session(request: Request) -> AsyncIterator[AsyncSession]:
        context = await get_context(request)
        async with context.database.writer() as session:
            yield session

    return write_session
