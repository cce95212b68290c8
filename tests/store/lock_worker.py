"""A separate OS process for the lock tests: increments a counter file under ``booking_lock``.

Usage: python lock_worker.py URL KEY WORKDIR NAME ITERATIONS MODE   (MODE: ``lock`` or ``none``)

The read-sleep-write on the counter loses updates unless the lock serialises the processes. Each
critical section is logged as ``start end`` (monotonic ns, comparable across processes on Linux).
"""

from __future__ import annotations

import asyncio
import sys
import time
from contextlib import AbstractAsyncContextManager, nullcontext
from pathlib import Path

from medley.store.database import Store
from medley.store.locks import booking_lock


async def main(url: str, key: str, workdir: Path, name: str, iterations: int, mode: str) -> None:
    store = Store.from_url(url)
    await store.start()
    (workdir / f"ready-{name}").touch()
    while not (workdir / "go").exists():  # noqa: ASYNC110 - a cross-process barrier on a file
        await asyncio.sleep(0.005)
    counter = workdir / "counter"
    sections: list[str] = []
    try:
        for _ in range(iterations):
            guard: AbstractAsyncContextManager[None] = (
                booking_lock(store, key) if mode == "lock" else nullcontext()
            )
            async with guard:
                started = time.monotonic_ns()
                value = int(counter.read_text() or "0")
                await asyncio.sleep(0.01)
                counter.write_text(str(value + 1))
                sections.append(f"{started} {time.monotonic_ns()}")
            await asyncio.sleep(0.001)
    finally:
        await store.close()
        (workdir / f"log-{name}").write_text("\n".join(sections))


if __name__ == "__main__":
    url, key, workdir, name, iterations, mode = sys.argv[1:7]
    asyncio.run(main(url, key, Path(workdir), name, int(iterations), mode))
