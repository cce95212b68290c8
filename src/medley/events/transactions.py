"""Write transactions that read first: on SQLite they start with ``BEGIN IMMEDIATE``, because a deferred
transaction that reads and then writes fails at once ("database is locked") when another writer committed
in between, whatever the busy timeout. PostgreSQL needs nothing special."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medley.store.database import SQLITE_BEGIN_OPTION, Store

_makers: dict[int, async_sessionmaker[AsyncSession]] = {}
_Row = TypeVar("_Row")


@asynccontextmanager
async def read_then_write(store: Store) -> AsyncIterator[AsyncSession]:
    """A session in a transaction that holds the SQLite write lock from its first statement."""
    if not store.is_sqlite:
        async with store.sessions() as session, session.begin():
            yield session
        return
    maker = _makers.get(id(store.engine))
    if maker is None:
        engine = store.engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        maker = _makers[id(store.engine)] = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as session, session.begin():
        yield session


def locked(session: AsyncSession, statement: Select[_Row]) -> Select[_Row]:
    """``statement``, reading rows a ``read_then_write`` transaction is about to change: locked on PostgreSQL, so a
    concurrent writer of the same rows waits and then sees this one's commit (SQLite's ``BEGIN IMMEDIATE``
    already holds the whole database)."""
    return statement.with_for_update() if session.get_bind().dialect.name == "postgresql" else statement
