"""How many client reads run on a gateway process's CPU at once, and stepping aside while waiting upstream.

Mirror-served reads are pure CPU: under a storm of them the event loop is saturated, and every await of a
booking waits behind all the reads in flight, so a booking's dozens of awaits take seconds. The gateway
therefore admits at most ``Settings.read_concurrency`` reads at a time per process (FIFO, so reads stay
fair among themselves). Writes are never gated, nor are reads whose credentials are not verified yet: a
first login must not queue behind a storm, nor behind a flood of made-up credentials. A read that waits for
the EHR (a live read, a patient search) steps aside for as long as it waits, so slow upstream reads never
hold a place a mirror read could use; the connectors' clients do that around each upstream call
(``stepping_aside``).

While a write is in flight, reads admitted from then on run one at a time (``writing``): each await of the
write then waits behind one read's step rather than several, which under a storm halved a booking's time
(``bench/read_storm.py``), and reads keep every place the rest of the time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar


class Admission:
    """The read places of one process, and the writes in flight that narrow them to one."""

    def __init__(self, places: int) -> None:
        self._places = asyncio.Semaphore(places)
        self._single = asyncio.Lock()
        self.writes = 0

    def admitted(self) -> _Admitted:
        """Hold a place for the block (the current request's), stepping aside where it waits upstream."""
        return _Admitted(self)

    def writing(self) -> _Writing:
        """A write request in flight (a context manager, or ``begin``/``end``): reads admitted meanwhile take
        turns one at a time."""
        return _Writing(self)

    async def _enter(self, hold: _Hold, *, arriving: bool = True) -> None:
        await self._places.acquire()
        # Only reads arriving narrow to one at a time: one coming back from the EHR must not wait for the single
        # turn, which a read waiting for its answer (a coalesced load) may hold.
        if arriving and self.writes:
            try:
                await self._single.acquire()
            except BaseException:
                self._places.release()
                raise
            hold.single = True
        hold.holding = True

    def _leave(self, hold: _Hold) -> None:
        if hold.single:
            hold.single = False
            self._single.release()
        hold.holding = False
        self._places.release()


class _Admitted:
    """``Admission.admitted``'s context manager: a class, as it runs on every read (a generator-based one costs
    several times more)."""

    __slots__ = ("_admission", "_hold", "_token")

    def __init__(self, admission: Admission) -> None:
        self._admission = admission

    async def __aenter__(self) -> None:
        hold = _Hold(self._admission)
        await self._admission._enter(hold)
        self._hold = hold
        self._token = _held.set(hold)

    async def __aexit__(self, *_: object) -> None:
        _held.reset(self._token)
        if self._hold.holding:  # not while stepped aside, or cancelled while taking its place back
            self._admission._leave(self._hold)


class _Writing:
    """A write in flight, from ``begin`` (once its body has arrived: a slow body must not narrow everyone's reads
    meanwhile) to ``end``; both may be called more than once."""

    __slots__ = ("_admission", "_counted")

    def __init__(self, admission: Admission) -> None:
        self._admission = admission
        self._counted = False

    def begin(self) -> None:
        if not self._counted:
            self._counted = True
            self._admission.writes += 1

    def end(self) -> None:
        if self._counted:
            self._counted = False
            self._admission.writes -= 1

    async def __aenter__(self) -> None:
        self.begin()

    async def __aexit__(self, *_: object) -> None:
        self.end()


class _Hold:
    __slots__ = ("admission", "holding", "single")

    def __init__(self, admission: Admission) -> None:
        self.admission = admission
        self.holding = False
        self.single = False


# The place the current request holds; None outside gated reads (writes, the sync, scripts).
_held: ContextVar[_Hold | None] = ContextVar("medley_admission", default=None)


@asynccontextmanager
async def stepping_aside() -> AsyncIterator[None]:
    """Give the current request's place back while the block waits (on the EHR, or on another request's load from
    the EHR), and take one again after.

    Taking it again may wait behind other reads, fairly; a request without a place is not affected. Every wait on
    another request's upstream work must be inside one: that request steps aside while it waits upstream, and if
    its waiters kept their places it could find none to come back to."""
    hold = _held.get()
    if hold is None or not hold.holding:
        yield
        return
    hold.admission._leave(hold)
    try:
        yield
    finally:
        await hold.admission._enter(hold, arriving=False)


async def acquire_stepping_aside(lock: asyncio.Lock) -> None:
    """Take ``lock``, stepping aside while waiting for it: its holder may be loading from the EHR, stepped aside
    itself. The caller releases it; it is not held if this raises (cancelled while taking the place back)."""
    acquired = False
    try:
        async with stepping_aside():
            await lock.acquire()
            acquired = True
    except BaseException:
        if acquired:
            lock.release()
        raise
