"""One syncer per connection across processes, and a syncer killed with ``kill -9`` is replaced within one
lease period while the mirror stays fresh (PostgreSQL, two ``medley worker`` processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import anyio
import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.support.postgres import admin_url, scratch_database
from tests.sync.conftest import sync_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
T = TypeVar("T")
LEASE_SECONDS = 3.0


@pytest.fixture
def database() -> Iterator[str]:
    if admin_url() is None:
        pytest.skip("MEDLEY_TEST_POSTGRES_URL is not set")
    with scratch_database("medley_lease") as url:
        yield url


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "medley.cli", "worker"],
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def _mirror(url: str) -> tuple[str | None, str | None, datetime | None]:
    """(state, live lease holder, last sync) of the only connection."""

    async def read() -> tuple[str | None, str | None, datetime | None]:
        connection = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
        try:
            row = await connection.fetchrow(
                "SELECT state, lease_holder, lease_expires_at, synced_at FROM medley_mirror_connections"
            )
        except asyncpg.UndefinedTableError:
            row = None  # the workers are still migrating the new database
        finally:
            await connection.close()
        if row is None:
            return None, None, None
        holder = (
            row["lease_holder"] if row["lease_expires_at"] and row["lease_expires_at"] > datetime.now(UTC) else None
        )
        return row["state"], holder, row["synced_at"]

    return anyio.run(read)


def _wait(condition: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_killed_syncer_is_replaced_within_one_lease_and_the_mirror_stays_fresh(database: str, tmp_path: Path) -> None:
    env = {
        **sync_env(),
        "MEDLEY_SYNC_LEASE_SECONDS": str(LEASE_SECONDS),
        "MEDLEY_DATABASE_URL": database,
        "MEDLEY_SANDBOX_DATABASE_URL": database,
        "MEDLEY_DATA_DIR": str(tmp_path),
        "MEDLEY_WEBHOOK_DELIVER_IN_SERVE": "false",
    }
    with ExitStack() as stack:
        workers = [_worker(env, tmp_path / f"worker-{n}.log") for n in range(2)]
        for worker in workers:
            stack.callback(lambda w=worker: (w.kill(), w.wait()))
        _, holder, _ = _wait(lambda: m if (m := _mirror(database))[0] == "live" and m[1] else None, 90, "a live mirror")
        assert holder is not None
        holder_pid = int(holder.split(":")[1])
        assert holder_pid in {w.pid for w in workers}, "one of the workers holds the lease"
        os.kill(holder_pid, signal.SIGKILL)
        killed_at = time.monotonic()

        survivor = next(w for w in workers if w.pid != holder_pid)
        _wait(
            lambda: m if (m := _mirror(database))[1] and int(m[1].split(":")[1]) == survivor.pid else None,
            LEASE_SECONDS + 5,
            "the surviving worker to take the lease over",
        )
        assert time.monotonic() - killed_at <= LEASE_SECONDS + 2.0
        taken_over_at = datetime.now(UTC)
        _wait(
            lambda: m if (m := _mirror(database))[2] and m[2] > taken_over_at else None,
            10,
            "a sync by the new holder",
        )
