"""A real ``medley serve`` process for the security tests, with its data folder and log at hand: the tests
look at what the store and the log kept, not only at what the client was told."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.sandbox_gateway import SANDBOX_HEADERS, UNLIMITED_ENV
from tests.support.server import running_medley


@dataclass(frozen=True)
class Gateway:
    url: str
    data_dir: Path
    log: Path

    @property
    def store_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.data_dir / 'medley.db'}"


@contextmanager
def gateway_running(data_dir: Path, env: Mapping[str, str] | None = None) -> Iterator[Gateway]:
    """``medley serve`` on a fresh port with ``env`` on top of the unlimited rate limits."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "gateway.log"
    with running_medley("serve", {**UNLIMITED_ENV, **(env or {})}, data_dir, log_path=log) as url:
        yield Gateway(url, data_dir, log)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with gateway_running(tmp_path_factory.mktemp("medley-security")) as running:
        yield running


@pytest.fixture(scope="module")
def api(gateway: Gateway) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway.url + "/api", headers=SANDBOX_HEADERS, timeout=60.0) as client:
        yield client


@pytest.fixture(scope="module")
def care_unit_path(api: httpx.Client) -> str:
    response = api.get("/emrs/cliniko/care-units")
    assert response.status_code == 200, response.text
    return f"/emrs/cliniko/care-units/{response.json()[0]['id']}"
