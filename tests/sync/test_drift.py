"""Drift is seen, not guessed: the sync samples the EHR's own availability, and a mirror that lost something
(here: its weekly hours, wiped behind its back) is counted, logged and reconciled."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import running_medley
from tests.sync.conftest import SANDBOX_HEADERS, sync_env, wait_for_mirror

_DRIFT = re.compile(r"^medley_mirror_drift_total\{[^}]*\} ([0-9.e+]+)$", re.MULTILINE)


@pytest.fixture
def sampled(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    env = {**sync_env(), "MEDLEY_SYNC_SAMPLE_SECONDS": "0.5"}
    with running_medley("serve", env, tmp_path) as base:
        yield base, tmp_path


def _hours(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT count(*) FROM medley_mirror_working_hours").fetchone()[0])


def test_a_mirror_that_lost_its_hours_is_caught_by_a_sample_and_reconciled(sampled: tuple[str, Path]) -> None:
    base, data_dir = sampled
    with httpx.Client(base_url=base + "/api", headers=SANDBOX_HEADERS, timeout=30) as api:
        wait_for_mirror(api)
    database = data_dir / "medley.db"
    before = _hours(database)
    assert before > 0
    with sqlite3.connect(database, timeout=30) as db:
        db.execute("DELETE FROM medley_mirror_working_hours")
    deadline = time.monotonic() + 30
    while _hours(database) == 0:
        assert time.monotonic() < deadline, "the drift was not reconciled"
        time.sleep(0.2)
    assert _hours(database) == before
    drift = sum(float(v) for v in _DRIFT.findall(httpx.get(base + "/metrics").text))
    assert drift >= 1
