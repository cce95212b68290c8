"""Real processes for the race and idempotency tests (session-scoped, so the suite stays fast).

``single_stack``: one emulator behind a fault proxy, one gateway on a SQLite store whose application has a
live connection through the proxy, and a second application.
``replica_stack``: one emulator behind its own fault proxy and TWO gateways sharing one PostgreSQL store
(skipped without ``MEDLEY_TEST_POSTGRES_URL``). Test modules import these fixtures by name.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.integrity.fault_proxy import FaultProxy, running_proxy
from tests.integrity.stack import (
    Application,
    Emulator,
    create_application,
    emulator_key,
    gateway_env,
    running_emulator,
    running_gateway,
)
from tests.support.postgres import admin_url, scratch_database


@dataclass
class Stack:
    gateways: list[str]
    app: Application
    emulator: Emulator
    data_dir: Path
    env: dict[str, str]
    proxy: FaultProxy | None = None
    logs: list[Path] = field(default_factory=list)
    # A second application of the same gateway (its connection reaches the emulator directly).
    other_app: Application | None = None
    # The PostgreSQL store the gateways share (None: each gateway's SQLite file in ``data_dir``).
    store_url: str | None = None


# Started once per session however many test modules import the fixtures (a fixture imported into two
# modules is two fixtures to pytest), and stopped when the session ends.
_started: dict[str, Stack] = {}


def _shared(name: str, request: pytest.FixtureRequest, start: Callable[[ExitStack], Stack]) -> Stack:
    if name not in _started:
        resources = ExitStack()
        request.config.add_cleanup(resources.close)
        _started[name] = start(resources)
    return _started[name]


def _start_single(stack: ExitStack, root: Path) -> Stack:
    for name in ("emulator", "gateway"):
        (root / name).mkdir()
    emulator = stack.enter_context(running_emulator(root / "emulator", api_key=emulator_key("single")))
    proxy = stack.enter_context(running_proxy(emulator.url))
    env = gateway_env(MEDLEY_LOG_LEVEL="debug")
    through_proxy = Emulator(proxy.url, emulator.api_key, emulator.data_dir)
    app = create_application(root / "gateway", env, "clinic-single", through_proxy)
    other_app = create_application(root / "gateway", env, "clinic-other", emulator)
    log = root / "gateway.log"
    gateway = stack.enter_context(running_gateway(root / "gateway", env, log_path=log))
    return Stack([gateway], app, emulator, root / "gateway", env, proxy, [log], other_app=other_app)


def _start_replicas(stack: ExitStack, root: Path) -> Stack:
    for name in ("emulator", "gateway-1", "gateway-2"):
        (root / name).mkdir()
    store_url = stack.enter_context(scratch_database("medley_integrity"))
    emulator = stack.enter_context(running_emulator(root / "emulator", api_key=emulator_key("replicas")))
    proxy = stack.enter_context(running_proxy(emulator.url))
    env = gateway_env(store_url)
    through_proxy = Emulator(proxy.url, emulator.api_key, emulator.data_dir)
    app = create_application(root / "gateway-1", env, "clinic-replicas", through_proxy)
    logs = [root / f"{name}.log" for name in ("gateway-1", "gateway-2")]
    gateways = [
        stack.enter_context(running_gateway(root / name, env, log_path=log))
        for name, log in zip(("gateway-1", "gateway-2"), logs, strict=True)
    ]
    return Stack(gateways, app, emulator, root / "gateway-1", env, proxy, logs, store_url=store_url)


@pytest.fixture(scope="session")
def single_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    return _shared("single", request, lambda stack: _start_single(stack, tmp_path_factory.mktemp("single")))


@pytest.fixture(scope="session")
def replica_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    if admin_url() is None:
        pytest.skip("MEDLEY_TEST_POSTGRES_URL is not set")
    return _shared("replicas", request, lambda stack: _start_replicas(stack, tmp_path_factory.mktemp("replicas")))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_stack(request: pytest.FixtureRequest) -> Stack:
    """The single-process SQLite stack, then the two-replica PostgreSQL stack."""
    name = "single_stack" if request.param == "sqlite" else "replica_stack"
    stack: Stack = request.getfixturevalue(name)
    return stack
