"""While a write is in flight, reads admitted meanwhile take turns one at a time; otherwise they share the
process's places; a read waiting upstream gives its turn up either way (``connectors/admission.py``)."""

from __future__ import annotations

import asyncio

from medley.connectors.admission import Admission, stepping_aside


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
