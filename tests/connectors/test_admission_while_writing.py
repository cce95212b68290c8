"""While a write is in flight, reads admitted meanwhile take turns one at a time; otherwise they share the
process's places; a read waiting upstream gives its turn up either way (``connectors/admission.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from medley.connectors.admission import Admission, acquire_stepping_aside, stepping_aside
from medley.connectors.cliniko.timeslots import _InFlight

T = TypeVar("T")


async def _most_at_once(admission: Admission, reads: int, upstream: bool = False) -> int:
    running = most = 0

    async def read() -> None:
        nonlocal running, most
        async with admission.admitted():
            running += 1
            most = max(most, running)
            if upstream:
                async with stepping_aside():
                    await asyncio.sleep(0.02)
            else:
                await asyncio.sleep(0.02)
            running -= 1

    await asyncio.gather(*(read() for _ in range(reads)))
    return most


async def test_reads_share_the_places_when_nothing_is_written() -> None:
    assert await _most_at_once(Admission(4), reads=8) == 4


async def test_reads_run_one_at_a_time_while_a_write_is_in_flight() -> None:
    admission = Admission(4)
    async with admission.writing():
        assert await _most_at_once(admission, reads=6) == 1
    assert await _most_at_once(admission, reads=6) == 4, "the places come back once the write is done"


async def test_a_read_waiting_upstream_gives_its_turn_up_while_a_write_runs() -> None:
    admission = Admission(4)
    async with admission.writing():
        waits = asyncio.gather(*(_most_at_once(admission, reads=1, upstream=True) for _ in range(3)))
        started = asyncio.get_running_loop().time()
        await waits
        # Three reads each waiting 20 ms upstream: side by side, not one after another.
        assert asyncio.get_running_loop().time() - started < 0.055


async def test_a_cancelled_read_leaves_no_place_taken() -> None:
    admission = Admission(1)
    async with admission.writing():
        async with admission.admitted():
            waiting = asyncio.create_task(_most_at_once(admission, reads=1))
            await asyncio.sleep(0.01)
            waiting.cancel()
        assert await _most_at_once(admission, reads=2) == 1
    assert await _most_at_once(admission, reads=2) == 1


async def _admitted_while_writing(admission: Admission, work: Callable[[], Awaitable[T]]) -> T:
    async with admission.admitted():
        return await work()


async def test_reads_waiting_for_another_reads_load_never_lock_it_out() -> None:
    """The loader steps aside while it waits upstream; the reads that wait for its answer must too, or the one place
    (and the single turn of a write in flight) is held by a read waiting for a read that cannot come back."""
    admission = Admission(1)
    loads = _InFlight()
    started = asyncio.Event()

    async def upstream() -> list[datetime] | None:
        async with stepping_aside():
            started.set()
            await asyncio.sleep(0.05)
        return []

    async with admission.writing():
        loader = asyncio.create_task(_admitted_while_writing(admission, lambda: loads.run("key", upstream)))
        await started.wait()
        followers = [
            asyncio.create_task(_admitted_while_writing(admission, lambda: loads.run("key", upstream)))
            for _ in range(3)
        ]
        results = await asyncio.wait_for(asyncio.gather(loader, *followers), timeout=2)
    assert results == [[], [], [], []]


async def test_reads_waiting_for_a_reference_reload_never_lock_out_its_holder() -> None:
    admission = Admission(1)
    lock = asyncio.Lock()
    holding = asyncio.Event()

    async def reload() -> str:
        await acquire_stepping_aside(lock)
        try:
            holding.set()
            async with stepping_aside():  # the holder waits upstream
                await asyncio.sleep(0.05)
            return "loaded"
        finally:
            lock.release()

    async with admission.writing():
        holder = asyncio.create_task(_admitted_while_writing(admission, reload))
        await holding.wait()
        waiters = [asyncio.create_task(_admitted_while_writing(admission, reload)) for _ in range(3)]
        assert await asyncio.wait_for(asyncio.gather(holder, *waiters), timeout=2) == ["loaded"] * 4
    assert not lock.locked()
