"""A real ``medley serve`` process per test module, on SQLite and (when configured) on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from medley.config import DEFAULT_SANDBOX_CLIENT_ID, DEFAULT_SANDBOX_CLIENT_SECRET
from tests.support.postgres import store_env
from tests.support.server import running_medley

SANDBOX_HEADERS = {
    "x-leyr-client-id": DEFAULT_SANDBOX_CLIENT_ID,
    "x-leyr-client-secret": DEFAULT_SANDBOX_CLIENT_SECRET,
}

STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=STORES)
def server_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("medley")
    with ExitStack() as stack:
        env = store_env(request.param, stack, "medley_e2e")
        # A generous sandbox rate limit: the workflow makes many upstream calls in a short time.
        env["MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE"] = "100000"
        # Acuity's 10 per second would make an unfiltered 14-day read take seconds (tests/connectors/acuity
        # holds the connector to that limit).
        env["MEDLEY_SANDBOX_ACUITY_RATE_LIMIT_PER_SECOND"] = "0"
        yield stack.enter_context(running_medley("serve", env, data_dir))


@pytest.fixture
def api(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url + "/api", headers=SANDBOX_HEADERS, timeout=30.0) as client:
        yield client
