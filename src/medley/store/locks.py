"""Named locks that hold across processes and replicas, for check-then-write sequences such as booking.

* PostgreSQL: ``pg_advisory_xact_lock`` on a stable 64-bit hash of the key, inside a transaction held
  open on a dedicated connection for the duration of the block.
* SQLite (processes on one machine sharing one file): a lease row in ``medley_locks``, claimed with one
  atomic upsert, renewed while held, and taken over only once its lease has run out (a crashed holder).
  A waiter that finds it busy reserves it; the holder's process cannot take it back while the
  reservation lives, so a process with a queue of its own cannot starve the others.

On both, tasks of one process first queue on an in-process ``asyncio.Lock`` per key, so at most one of
them waits on the database for a given key.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from medley.domain.errors import ErrorCode, ErrorDetail, MedleyError
from medley.store.database import Store
from medley.store.tables import LockRow

logger = logging.getLogger(__name__)

DEFAULT_MAX_WAIT_SECONDS = 30.0
LEASE_SECONDS = 30.0
_RENEW_EVERY_SECONDS = LEASE_SECONDS / 3
_POLL_MIN_SECONDS = 0.005
_POLL_MAX_SECONDS = 0.05
# A waiter renews its reservation at every poll; if it vanishes, the reservation lapses this fast.
_RESERVATION_SECONDS = 0.5
_PG_LOCK_NOT_AVAILABLE = "55P03"


def lock_id(key: str) -> int:
    """A stable signed 64-bit id for ``key`` (the same in every process and on every machine)."""
    digest = hashlib.sha256(b"medley/lock/" + key.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lock_name(key: str) -> str:
    return hashlib.sha256(b"medley/lock/" + key.encode()).hexdigest()


def _busy(max_wait: float) -> MedleyError:
    detail = f"Another request holds this lock; gave up after {max_wait:g}s. Try again."
    return MedleyError(
        ErrorCode.CONFLICT, detail, [ErrorDetail("RESOURCE_BUSY", detail)], headers={"Retry-After": "1"}
    )


@dataclass
class _LocalLock:
    lock: asyncio.Lock
    users: int = 0


class _LocalLocks:
    """One ``asyncio.Lock`` per key, dropped as soon as nobody holds or waits for it (so it stays small)."""

    def __init__(self) -> None:
        self._locks: dict[str, _LocalLock] = {}

    @asynccontextmanager
    async def hold(self, key: str, max_wait: float) -> AsyncIterator[None]:
        entry = self._locks.get(key)
        if entry is None:
            entry = self._locks[key] = _LocalLock(asyncio.Lock())
        entry.users += 1
        try:
            try:
                async with asyncio.timeout(max_wait):
                    await entry.lock.acquire()
            except TimeoutError:
                raise _busy(max_wait) from None
            try:
                yield
            finally:
                entry.lock.release()
        finally:
            entry.users -= 1
            if entry.users == 0:
                self._locks.pop(key, None)

    def __len__(self) -> int:
        return len(self._locks)


_local_locks: weakref.WeakKeyDictionary[Store, _LocalLocks] = weakref.WeakKeyDictionary()


def _local_locks_of(store: Store) -> _LocalLocks:
    locks = _local_locks.get(store)
    if locks is None:
        locks = _local_locks[store] = _LocalLocks()
    return locks


@asynccontextmanager
async def booking_lock(
    store: Store, key: str, *, max_wait: float = DEFAULT_MAX_WAIT_SECONDS
) -> AsyncIterator[None]:
    """Hold the lock named ``key`` for the block, against every task, process and replica using ``store``.

    Raises ``MedleyError`` CONFLICT (detail ``RESOURCE_BUSY``) if it is not had within ``max_wait`` seconds.
    """
    deadline = time.monotonic() + max_wait
    async with _local_locks_of(store).hold(key, max_wait):
        remaining = max(deadline - time.monotonic(), 0.001)
        if store.dialect == "postgresql":
            async with _advisory_lock(store, key, remaining, max_wait):
                yield
        else:
            async with _lease_lock(store, key, remaining, max_wait):
                yield


@asynccontextmanager
async def _advisory_lock(store: Store, key: str, wait: float, max_wait: float) -> AsyncIterator[None]:
    async with store.engine.connect() as connection, connection.begin():
        # SET LOCAL takes no bind parameters; the value is a number we format ourselves.
        await connection.execute(text(f"SET LOCAL lock_timeout = '{max(1, int(wait * 1000))}ms'"))
        try:
            await connection.execute(select(func.pg_advisory_xact_lock(lock_id(key))))
        except DBAPIError as exc:
            if _sqlstate(exc) == _PG_LOCK_NOT_AVAILABLE:
                raise _busy(max_wait) from None
            raise
        # Held until this transaction ends, at the end of the block (commit or rollback alike).
        yield


def _sqlstate(exc: DBAPIError) -> str | None:
    original = exc.orig
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return str(code) if code is not None else None


@asynccontextmanager
async def _lease_lock(store: Store, key: str, wait: float, max_wait: float) -> AsyncIterator[None]:
    name = _lock_name(key)
    holder = secrets.token_hex(16)
    deadline = time.monotonic() + wait
    pause = _POLL_MIN_SECONDS
    while not await _try_claim(store, name, holder):
        if time.monotonic() >= deadline:
            raise _busy(max_wait)
        await asyncio.sleep(min(pause, max(deadline - time.monotonic(), 0)))
        pause = min(pause * 2, _POLL_MAX_SECONDS)
    renewer = asyncio.create_task(_renew(store, name, holder))
    try:
        yield
    finally:
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewer
        await asyncio.shield(_release(store, name, holder))


async def _try_claim(store: Store, name: str, holder: str) -> bool:
    """Take the lease if it is free (or its holder's lease ran out) and nobody else has reserved it;
    otherwise reserve it, so that the holder's process cannot take it straight back on release."""
    now = datetime.now(UTC)
    expires = now + timedelta(seconds=LEASE_SECONDS)
    free = or_(LockRow.holder.is_(None), LockRow.expires_at <= now)
    ours_next = or_(LockRow.next_holder.is_(None), LockRow.next_holder == holder, LockRow.next_until <= now)
    # One statement: insert the lease, or take over a free one; a busy lease is left untouched.
    claim = (
        sqlite_insert(LockRow)
        .values(name=name, holder=holder, expires_at=expires)
        .on_conflict_do_update(
            index_elements=[LockRow.name],
            set_={"holder": holder, "expires_at": expires, "next_holder": None, "next_until": None},
            where=and_(free, ours_next),
        )
        .returning(LockRow.holder)
    )
    reserve = (
        update(LockRow)
        .where(LockRow.name == name, ours_next)
        .values(next_holder=holder, next_until=now + timedelta(seconds=_RESERVATION_SECONDS))
    )
    async with store.sessions() as session, session.begin():
        if (await session.execute(claim)).scalar_one_or_none() == holder:
            return True
        await session.execute(reserve)
    return False


async def _renew(store: Store, name: str, holder: str) -> None:
    while True:
        await asyncio.sleep(_RENEW_EVERY_SECONDS)
        expires = datetime.now(UTC) + timedelta(seconds=LEASE_SECONDS)
        async with store.sessions() as session, session.begin():
            result = await session.execute(
                update(LockRow)
                .where(LockRow.name == name, LockRow.holder == holder)
                .values(expires_at=expires)
            )
        if _rowcount(result) != 1:
            logger.error("lock lease %s… was lost while held", name[:12])
            return


async def _release(store: Store, name: str, holder: str) -> None:
    now = datetime.now(UTC)
    async with store.sessions() as session, session.begin():
        # Nobody waiting: remove the row. A waiter's reservation: keep it, with the lease freed.
        deleted = await session.execute(
            delete(LockRow).where(
                LockRow.name == name, LockRow.holder == holder,
                or_(LockRow.next_holder.is_(None), LockRow.next_until <= now),
            )
        )
        if _rowcount(deleted) == 0:
            await session.execute(
                update(LockRow).where(LockRow.name == name, LockRow.holder == holder).values(holder=None)
            )


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
