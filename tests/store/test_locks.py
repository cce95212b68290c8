from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from medley.domain.errors import ErrorCode, MedleyError
from medley.store.database import Store
from medley.store.locks import _local_locks_of, _lock_name, booking_lock, lock_id
from medley.store.tables import LockRow

WORKER = Path(__file__).with_name("lock_worker.py")


def test_lock_ids_are_stable_signed_64_bit_numbers() -> None:
    assert lock_id("cliniko:practitioner:1") == lock_id("cliniko:practitioner:1")
    assert lock_id("cliniko:practitioner:1") != lock_id("cliniko:practitioner:2")
    assert -(2**63) <= lock_id("x") < 2**63


async def test_tasks_holding_one_key_take_turns(store: Store) -> None:
    inside = 0
    most_inside = 0

    async def book() -> None:
        nonlocal inside, most_inside
        async with booking_lock(store, "practitioner:1"):
            inside += 1
            most_inside = max(most_inside, inside)
            await asyncio.sleep(0.005)
            inside -= 1

    await asyncio.gather(*(book() for _ in range(10)))
    assert most_inside == 1
    assert len(_local_locks_of(store)) == 0  # nothing kept for keys nobody holds


async def test_different_keys_do_not_wait_for_each_other(store: Store) -> None:
    first_inside = asyncio.Event()

    async def hold_first() -> None:
        async with booking_lock(store, "practitioner:1"):
            first_inside.set()
            await asyncio.sleep(0.3)

    holder = asyncio.create_task(hold_first())
    await first_inside.wait()
    started = time.perf_counter()
    async with booking_lock(store, "practitioner:2"):
        assert time.perf_counter() - started < 0.25
    await holder


async def test_waiting_too_long_is_a_conflict(store: Store, store_url: str) -> None:
    inside = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with booking_lock(store, "practitioner:1"):
            inside.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await inside.wait()
    # A second replica (its own engine and in-process locks) must wait on the database itself.
    other = Store.from_url(store_url)
    try:
        with pytest.raises(MedleyError) as caught:
            async with booking_lock(other, "practitioner:1", max_wait=0.3):
                pass
        assert caught.value.code is ErrorCode.CONFLICT
    finally:
        release.set()
        await holder
        await other.close()


async def test_the_lock_is_released_when_the_block_fails(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with booking_lock(store, "practitioner:1"):
            raise RuntimeError("upstream failed")
    async with booking_lock(store, "practitioner:1", max_wait=1.0):
        pass


async def test_sqlite_lease_of_a_crashed_holder_is_taken_over(tmp_path: Path) -> None:
    store = Store.from_url(f"sqlite+aiosqlite:///{tmp_path / 'medley.db'}")
    await store.start()
    try:
        name = _lock_name("practitioner:1")
        async with store.sessions() as session, session.begin():
            session.add(
                LockRow(name=name, holder="dead" * 8, expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        async with booking_lock(store, "practitioner:1", max_wait=1.0):
            async with store.sessions() as session:
                holder = await session.scalar(select(LockRow.holder).where(LockRow.name == name))
            assert holder not in (None, "dead" * 8)
        async with store.sessions() as session:
            assert await session.scalar(select(LockRow).where(LockRow.name == name)) is None
    finally:
        await store.close()


def _race(url: str, workdir: Path, mode: str, iterations: int = 12) -> tuple[int, list[tuple[int, int, str]]]:
    """Two OS processes each add ``iterations`` to a counter file; returns the counter and the critical
    sections (start, end, worker) in time order."""
    workdir.mkdir()
    (workdir / "counter").write_text("0")
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), url, "practitioner:7", str(workdir), name, str(iterations), mode]
        )
        for name in ("a", "b")
    ]
    try:
        deadline = time.monotonic() + 60
        while not all((workdir / f"ready-{name}").exists() for name in ("a", "b")):
            assert all(w.poll() is None for w in workers), "a worker died during start-up"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        (workdir / "go").touch()
        assert [w.wait(timeout=60) for w in workers] == [0, 0]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    sections = []
    for name in ("a", "b"):
        for line in (workdir / f"log-{name}").read_text().splitlines():
            start, end = line.split()
            sections.append((int(start), int(end), name))
    return int((workdir / "counter").read_text()), sorted(sections)


def test_two_processes_take_turns_under_the_lock(store_url: str, tmp_path: Path) -> None:
    asyncio.run(_migrate(store_url))
    counter, sections = _race(store_url, tmp_path / "race", "lock")
    assert counter == 24
    assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(sections))
    # They really competed: the lock passed from one process to the other and back.
    handovers = sum(earlier[2] != later[2] for earlier, later in itertools.pairwise(sections))
    assert handovers >= 4, handovers


def test_without_the_lock_the_same_race_loses_updates(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'medley.db'}"
    asyncio.run(_migrate(url))
    counter, sections = _race(url, tmp_path / "race", "none")
    overlapping = any(earlier[1] > later[0] for earlier, later in itertools.pairwise(sections))
    assert overlapping and counter < 24


async def _migrate(url: str) -> None:
    store = Store.from_url(url)
    try:
        await store.start()
    finally:
        await store.close()
