"""How many client reads run on a gateway process's CPU at once, and stepping aside while waiting upstream.

Mirror-served reads are pure CPU: under a storm of them the event loop is saturated, and every await of a
booking waits behind all the reads in flight, so a booking's dozens of awaits take seconds. The gateway
therefore admits at most ``Settings.read_concurrency`` reads at a time per process (FIFO, so reads stay
fair among themselves). Writes are never gated, nor are reads whose credentials are not verified yet: a
first login must not queue behind a storm, nor behind a flood of made-up credentials. A read that waits for
the EHR (a live read, a patient search) steps aside for as long as it waits, so slow upstream reads never
hold a place a mirror read could use; the connectors' clients do that around each upstream call
(``stepping_aside``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar


class Admission:
    """The read places of one process."""

    def __init__(self, places: int) -> None:
        self._places = asyncio.Semaphore(places)

    def admitted(self) -> _Admitted:
        """Hold a place for the block (the current request's), stepping aside where it waits upstream."""
        return _Admitted(self._places)


class _Admitted:
    """``Admission.admitted``'s context manager: a class, as it runs on every read (a generator-based one costs
    several times more)."""

    __slots__ = ("_hold", "_places", "_token")

    def __init__(self, places: asyncio.Semaphore) -> None:
        self._places = places

    async def __aenter__(self) -> None:
        await self._places.acquire()
        self._hold = _Hold(self._places)
        self._token = _held.set(self._hold)

    async def __aexit__(self, *_: object) -> None:
        _held.reset(self._token)
        if self._hold.holding:  # not while stepped aside, or cancelled while taking its place back
            self._places.release()


class _Hold:
    __slots__ = ("holding", "places")

    def __init__(self, places: asyncio.Semaphore) -> None:
        self.places = places
        self.holding = True


# The place the current request holds; None outside gated reads (writes, the sync, scripts).
_held: ContextVar[_Hold | None] = ContextVar("medley_admission", default=None)


@asynccontextmanager
async def stepping_aside() -> AsyncIterator[None]:
    """Give the current request's place back while the block waits (on the EHR), and take one again after.

    Taking it again may wait behind other reads, fairly; a request without a place is not affected."""
    hold = _held.get()
    if hold is None or not hold.holding:
        yield
        return
    hold.holding = False
    hold.places.release()
    try:
        yield
    finally:
        await hold.places.acquire()
        hold.holding = True
