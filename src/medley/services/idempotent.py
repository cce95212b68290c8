"""Run a write once per idempotency key: a retry with the same key and request gets the first answer back.

The claim, lease, replay and release rules are ``IdempotencyStore``'s; this is the one sequence every caller
follows around a write (the REST routes in ``api/route_class.py``, the MCP tools): claim, refuse a
key reused for another request (422) or still running (409), work while the lease is renewed, then keep the
answer or release the key so that a failed attempt can be retried.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from medley.domain.errors import DetailCode, ErrorCode, ErrorDetail, MedleyError
from medley.store.idempotency import IdempotencyStore, Outcome

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Replay:
    """The first answer given for this key: its status and body as they were kept."""

    status: int
    body: bytes


@dataclass(frozen=True, slots=True)
class IdempotentWrite:
    store: IdempotencyStore
    application_id: str
    client_secret: str
    key: str
    fingerprint: str
    ttl: timedelta
    key_name: str = "Idempotency-Key"
    """How the caller names the key, in refusals (a header for REST, an argument for MCP)."""

    async def run(self, work: Callable[[], Awaitable[T]], keep: Callable[[T], tuple[int, bytes] | None]) -> T | Replay:
        """``work`` once; ``keep`` says what to answer a retry with (``None``: nothing, the key is released)."""
        begun = await self.store.begin(
            self.application_id, self.key, self.fingerprint, self.ttl, client_secret=self.client_secret
        )
        if begun.outcome is Outcome.REPLAY:
            return Replay(begun.status or 200, begun.body or b"")
        if begun.outcome is Outcome.MISMATCH:
            detail = f"This {self.key_name} was already used with a different request."
            raise MedleyError(ErrorCode.UNPROCESSABLE, detail, [ErrorDetail(DetailCode.IDEMPOTENCY_KEY_REUSED, detail)])
        if begun.outcome is Outcome.IN_PROGRESS:
            error = MedleyError.conflict(
                f"A request with this {self.key_name} is still being processed; retry later.",
                DetailCode.IDEMPOTENCY_REQUEST_IN_PROGRESS,
            )
            error.headers["Retry-After"] = "1"
            raise error
        try:
            async with self.store.renewing(self.application_id, self.key, begun):
                result = await work()
        except BaseException:
            await self.store.abandon(self.application_id, self.key)
            raise
        kept = keep(result)
        if kept is None:
            await self.store.abandon(self.application_id, self.key)
        else:
            await self.store.complete(self.application_id, self.key, kept[0], kept[1], client_secret=self.client_secret)
        return result
