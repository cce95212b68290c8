"""Idempotency records: the same ``Idempotency-Key`` with the same request replays the first response.

``begin`` claims a key atomically (an INSERT that loses to a concurrent one on the primary key, never a
read-then-write). An in-progress claim is a lease that its owner renews while the request runs
(``renewing``); when the owner dies, the lease lapses and a retry takes the key over (compare-and-swap on
the lease), then finds out what the first attempt did. The request is identified by a keyed fingerprint,
never by its body; the stored response may hold patient data, so it is sealed with the application's key
(master key + client secret).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from medley.store.crypto import DecryptionError, keyed_digest, seal, unseal
from medley.store.database import Store
from medley.store.tables import IdempotencyRow

logger = logging.getLogger(__name__)

RESPONSE_PURPOSE = "idempotency-response"
FINGERPRINT_PURPOSE = "idempotency-fingerprint"
IN_PROGRESS = "in_progress"
DONE = "done"
MAX_KEY_LENGTH = 255


class Outcome(StrEnum):
    PROCEED = "proceed"
    """The key is ours: do the work, then ``complete`` (or ``abandon`` on an unexpected failure)."""
    REPLAY = "replay"
    """The first request with this key finished: answer with its status and body."""
    MISMATCH = "mismatch"
    """The key was used for a different request: answer 422."""
    IN_PROGRESS = "in_progress"
    """The first request with this key is still running: answer 409."""


@dataclass(frozen=True, slots=True)
class Begin:
    outcome: Outcome
    status: int | None = None
    body: bytes | None = field(default=None, repr=False)
    lease_until: datetime | None = field(default=None, compare=False)
    """With PROCEED: the lease taken, for ``renewing``."""


def request_fingerprint(
    method: str, path: str, body: bytes, *, master_key: str, client_secret: str
) -> str:
    """A keyed hash of method, path and body: equal requests match, but it reveals nothing of the body."""
    material = method.upper().encode() + b"\x00" + path.encode() + b"\x00" + body
    return keyed_digest(
        material, master_key=master_key, client_secret=client_secret, purpose=FINGERPRINT_PURPOSE
    )


class IdempotencyStore:
    """Claims, completes and replays idempotency keys of one store.

    ``lease`` is how long an in-progress claim lives without being renewed: its owner renews it every
    third of that while it works, so only a claim whose process died lapses, and a retry then takes it over.
    """

    def __init__(
        self,
        store: Store,
        *,
        master_key: str,
        lease: timedelta = timedelta(seconds=30),
        purge_interval_seconds: float = 300.0,
    ) -> None:
        self._store = store
        self._master_key = master_key
        self._lease = lease
        self._purge_interval = purge_interval_seconds
        self._next_purge = 0.0

    def fingerprint(self, method: str, path: str, body: bytes, *, client_secret: str) -> str:
        return request_fingerprint(
            method, path, body, master_key=self._master_key, client_secret=client_secret
        )

    async def begin(
        self, app_id: str, key: str, fingerprint: str, ttl: timedelta, *, client_secret: str
    ) -> Begin:
        if not 0 < len(key) <= MAX_KEY_LENGTH:
            raise ValueError(f"an idempotency key is 1 to {MAX_KEY_LENGTH} characters")
        await self._purge_now_and_then()
        # Three rounds are enough: a round only repeats after an expired or abandoned row went away.
        for _ in range(3):
            now = datetime.now(UTC)
            if await self._claim(app_id, key, fingerprint, now, ttl):
                return Begin(Outcome.PROCEED, lease_until=now + self._lease)
            async with self._store.sessions() as session:
                row = await session.get(IdempotencyRow, (app_id, key))
            if row is None:
                continue  # abandoned in between: claim again
            if row.expires_at <= now:
                await self._delete_if_expired(app_id, key, now)
                continue
            if row.fingerprint != fingerprint:
                return Begin(Outcome.MISMATCH)
            if row.status == IN_PROGRESS:
                lease_until = row.lease_until or row.created_at + self._lease
                if lease_until <= now and await self._take_over(app_id, key, row.lease_until, now):
                    logger.info("idempotency: a lapsed in-progress claim was taken over")
                    return Begin(Outcome.PROCEED, lease_until=now + self._lease)
                return Begin(Outcome.IN_PROGRESS)
            return self._replay(row, client_secret)
        return Begin(Outcome.IN_PROGRESS)

    async def complete(self, app_id: str, key: str, status: int, body: bytes, *, client_secret: str) -> None:
        """Record the response of the request that claimed ``key``, for later replays."""
        sealed = seal(
            body, master_key=self._master_key, client_secret=client_secret,
            purpose=RESPONSE_PURPOSE, context=(app_id, key),
        )
        async with self._store.sessions() as session, session.begin():
            await session.execute(
                update(IdempotencyRow)
                .where(IdempotencyRow.application_id == app_id, IdempotencyRow.key == key,
                       IdempotencyRow.status == IN_PROGRESS)
                .values(status=DONE, response_status=status, encrypted_response=sealed)
            )

    async def abandon(self, app_id: str, key: str) -> None:
        """Release an unfinished claim (the request failed unexpectedly) so that a retry can proceed."""
        async with self._store.sessions() as session, session.begin():
            await session.execute(
                delete(IdempotencyRow).where(
                    IdempotencyRow.application_id == app_id, IdempotencyRow.key == key,
                    IdempotencyRow.status == IN_PROGRESS,
                )
            )

    async def purge_expired(self) -> int:
        """Delete every expired record; returns how many."""
        async with self._store.sessions() as session, session.begin():
            result = await session.execute(
                delete(IdempotencyRow).where(IdempotencyRow.expires_at <= datetime.now(UTC))
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def _claim(self, app_id: str, key: str, fingerprint: str, now: datetime, ttl: timedelta) -> bool:
        try:
            async with self._store.sessions() as session, session.begin():
                session.add(IdempotencyRow(
                    application_id=app_id, key=key, fingerprint=fingerprint, status=IN_PROGRESS,
                    created_at=now, expires_at=now + ttl, lease_until=now + self._lease,
                ))
        except IntegrityError:
            return False
        return True

    async def _delete_if_expired(self, app_id: str, key: str, now: datetime) -> None:
        async with self._store.sessions() as session, session.begin():
            await session.execute(
                delete(IdempotencyRow).where(
                    IdempotencyRow.application_id == app_id, IdempotencyRow.key == key,
                    IdempotencyRow.expires_at <= now,
                )
            )

    async def _take_over(self, app_id: str, key: str, lease_until: datetime | None, now: datetime) -> bool:
        # Compare-and-swap on the lease: of several retries, exactly one takes the lapsed claim.
        return await self._swap_lease(app_id, key, lease_until, now + self._lease)

    async def _swap_lease(self, app_id: str, key: str, seen: datetime | None, new: datetime) -> bool:
        lease = IdempotencyRow.lease_until
        async with self._store.sessions() as session, session.begin():
            result = await session.execute(
                update(IdempotencyRow)
                .where(IdempotencyRow.application_id == app_id, IdempotencyRow.key == key,
                       IdempotencyRow.status == IN_PROGRESS, lease.is_(None) if seen is None else lease == seen)
                .values(lease_until=new)
            )
        return int(getattr(result, "rowcount", 0) or 0) == 1

    @asynccontextmanager
    async def renewing(self, app_id: str, key: str, begun: Begin) -> AsyncIterator[None]:
        """Keep the lease of a claim ``begin`` gave us alive while the block runs."""
        renewer = asyncio.create_task(self._renew(app_id, key, begun.lease_until))
        try:
            yield
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer

    async def _renew(self, app_id: str, key: str, lease_until: datetime | None) -> None:
        every = self._lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            new = datetime.now(UTC) + self._lease
            try:
                kept = await self._swap_lease(app_id, key, lease_until, new)
            except Exception as error:  # the store is down: the request itself will find out
                logger.warning("idempotency: renewing a lease failed (%s)", type(error).__name__)
                continue
            if not kept:
                logger.error("idempotency: an in-progress claim was taken over while its request still ran")
                return
            lease_until = new

    def _replay(self, row: IdempotencyRow, client_secret: str) -> Begin:
        if row.encrypted_response is None or row.response_status is None:
            return Begin(Outcome.IN_PROGRESS)
        try:
            body = unseal(
                row.encrypted_response, master_key=self._master_key, client_secret=client_secret,
                purpose=RESPONSE_PURPOSE, context=(row.application_id, row.key),
            )
        except DecryptionError:
            # Only a changed client secret or master key gets here: the first response is unreadable,
            # and doing the work again could do it twice.
            return Begin(Outcome.MISMATCH)
        return Begin(Outcome.REPLAY, row.response_status, body)

    async def _purge_now_and_then(self) -> None:
        now = time.monotonic()
        if now < self._next_purge:
            return
        self._next_purge = now + self._purge_interval
        await self.purge_expired()
