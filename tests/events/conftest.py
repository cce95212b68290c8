"""A real ``medley serve`` (sandbox mode, compressed retry schedule) per module, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import SANDBOX_HEADERS
from tests.support.postgres import store_env
from tests.support.server import running_medley

STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

FAST_WEBHOOKS = {
    "MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "100000",
    "MEDLEY_WEBHOOK_RETRY_SCALE": "0.0002",  # the 51.6 h schedule in about 37 s
    "MEDLEY_WEBHOOK_POLL_SECONDS": "0.05",
    "MEDLEY_WEBHOOK_TIMEOUT_SECONDS": "2",
    "MEDLEY_WEBHOOK_LEASE_SECONDS": "3",
}


@dataclass
class Deployment:
    """A running server and how to run the CLI (or a worker) against the same store."""

    base_url: str
    env: dict[str, str]
    data_dir: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "medley.cli", *args],
            env=self.full_env(), capture_output=True, text=True, timeout=60, check=False,
        )

    def full_env(self) -> dict[str, str]:
        return {**os.environ, "MEDLEY_DATA_DIR": str(self.data_dir), **self.env}


@pytest.fixture(scope="module", params=STORES)
def deployment(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    data_dir: Path = tmp_path_factory.mktemp("medley")
    with ExitStack() as stack:
        env = {**store_env(request.param, stack, "medley_events"), **FAST_WEBHOOKS}
        base_url = stack.enter_context(running_medley("serve", env, data_dir))
        yield Deployment(base_url, env, data_dir)


@pytest.fixture
def api(deployment: Deployment) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=deployment.base_url + "/api", headers=SANDBOX_HEADERS, timeout=30.0) as client:
        yield client
