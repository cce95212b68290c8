"""Processes shared by the integrity tests (started once per session, each on a free port):

* ``emulator``: ``medley sandbox`` on its own SQLite database, the "real EHR" of live connections;
* ``relay``: the fault relay in front of it (``relay.py``);
* ``sandbox_gateway``: ``medley serve`` with its built-in sandbox (the ``sandbox`` application) and one more
  application, made with the CLI, whose live connection reaches the emulator through the relay. Its upstream
  timeout is 1 s with one retry, so fault tests stay short; its log (debug level) is checked for PHI;
* ``single_stack``: a gateway on SQLite with its own emulator and relay, and a second application;
  ``replica_stack``: two gateways sharing one PostgreSQL store, with their own emulator and relay;
  ``any_stack``: each of them in turn (``replicas.py``).

Every process comes from ``deployment.py``, every fault from ``relay.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.integrity.deployment import (
    GATEWAY_ENV,
    SANDBOX_APP,
    AppCredentials,
    Emulator,
    built_in_emulator,
    gateway_api,
    live_app,
    running_emulator,
    running_gateway,
)
from tests.integrity.relay import FaultRelay, running_relay
from tests.integrity.replicas import Stack, running_stack
from tests.support.postgres import admin_url, scratch_database


@dataclass(frozen=True)
class Gateway:
    url: str
    data_dir: Path

    def api(self, app: AppCredentials, timeout: float = 60.0) -> httpx.Client:
        return gateway_api(self.url, app, timeout)

    @property
    def log(self) -> Path:
        return self.data_dir / "gateway.log"


@dataclass(frozen=True)
class SandboxGateway:
    """A gateway serving two applications: ``sandbox`` (built-in sandbox) and ``live`` (the emulator)."""

    gateway: Gateway
    built_in: Emulator
    live: AppCredentials


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with running_emulator(tmp_path_factory.mktemp("emulator")) as running:
        yield running


@pytest.fixture(scope="session")
def relay(emulator: Emulator) -> Iterator[FaultRelay]:
    with running_relay(emulator.root) as running:
        yield running


@pytest.fixture
def faults(relay: FaultRelay) -> Iterator[FaultRelay]:
    """The relay, with every rule a test adds removed when it ends."""
    relay.clear()
    yield relay
    relay.clear()


UPSTREAM_TIMEOUT_SECONDS = 1.0
# An unconfirmed booking holds its slot this long (DESIGN.md §3): short, so a retry after a write that never
# landed is not kept waiting in these tests.
WRITE_HOLD_SECONDS = 2.0
SHORT_FUSE_ENV = {
    "MEDLEY_UPSTREAM_TIMEOUT_SECONDS": str(UPSTREAM_TIMEOUT_SECONDS),
    "MEDLEY_UPSTREAM_MAX_RETRIES": "1",
    "MEDLEY_WRITE_HOLD_SECONDS": str(WRITE_HOLD_SECONDS),
}


@pytest.fixture(scope="session")
def sandbox_gateway(tmp_path_factory: pytest.TempPathFactory, relay: FaultRelay) -> Iterator[SandboxGateway]:
    data_dir = tmp_path_factory.mktemp("sandbox-gateway")
    live = live_app({**GATEWAY_ENV, **SHORT_FUSE_ENV}, data_dir, "Live clinic", relay.url + "/v1")
    with running_gateway(data_dir, SHORT_FUSE_ENV) as url:
        yield SandboxGateway(Gateway(url, data_dir), built_in_emulator(url), live)


@pytest.fixture
def sandbox_api(sandbox_gateway: SandboxGateway) -> Iterator[httpx.Client]:
    with sandbox_gateway.gateway.api(SANDBOX_APP) as client:
        yield client


@pytest.fixture(scope="session")
def single_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("single"), other_app=True) as stack:
        yield stack


@pytest.fixture(scope="session")
def replica_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if admin_url() is None:
        pytest.skip("MEDLEY_TEST_POSTGRES_URL is not set")
    with ExitStack() as resources:
        store_url = resources.enter_context(scratch_database("medley_integrity"))
        yield resources.enter_context(
            running_stack(tmp_path_factory.mktemp("replicas"), replicas=2, store_url=store_url)
        )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_stack(request: pytest.FixtureRequest) -> Stack:
    """The single-process SQLite stack, then the two-replica PostgreSQL stack."""
    stack: Stack = request.getfixturevalue("single_stack" if request.param == "sqlite" else "replica_stack")
    stack.relay.clear()
    return stack
