"""Gateway replicas sharing one store (a SQLite file on one machine, or PostgreSQL), reaching their own
emulator through their own fault relay; and ``kill -9`` for one of them.

``running_stack`` starts the whole thing; ``conftest.py`` keeps the shared ones (``single_stack``,
``replica_stack``, ``any_stack``) for the session.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.integrity.deployment import (
    AppCredentials,
    Emulator,
    emulator_key,
    gateway_api,
    gateway_env,
    live_app,
    running_emulator,
    running_gateway,
)
from tests.integrity.relay import FaultRelay, running_relay


@dataclass(frozen=True)
class Stack:
    gateways: list[str]
    app: AppCredentials
    emulator: Emulator
    relay: FaultRelay
    data_dir: Path
    env: dict[str, str]
    logs: list[Path] = field(default_factory=list)
    # A second application of the same gateways (its connection reaches the emulator directly).
    other_app: AppCredentials | None = None
    # The PostgreSQL store the gateways share (None: the SQLite file in ``data_dir``).
    store_url: str | None = None

    def api(self, index: int, timeout: float = 60.0) -> httpx.Client:
        """The application's client of gateway ``index``, rooted at ``/api/emrs/cliniko``."""
        return self.api_of(self.gateways[index], timeout)

    def api_of(self, url: str, timeout: float = 60.0) -> httpx.Client:
        return gateway_api(url, self.app, timeout)

    @contextmanager
    def one_more(self, name: str) -> Iterator[str]:
        """Another replica on the same store (e.g. one a test means to kill)."""
        with running_gateway(self.data_dir, self.env, log_path=self.data_dir.parent / f"{name}.log") as url:
            yield url


@contextmanager
def running_stack(
    root: Path,
    *,
    replicas: int = 1,
    store_url: str | None = None,
    env: Mapping[str, str] | None = None,
    other_app: bool = False,
    emulator: Emulator | None = None,
    relay: FaultRelay | None = None,
) -> Iterator[Stack]:
    """An emulator (``emulator``, or a new one) behind a relay (``relay``, or a new one), and ``replicas``
    gateways on one store, serving an application (made with the CLI) whose connection goes through the
    relay; with ``other_app``, a second application reaching the emulator directly."""
    data_dir = root / "gateway"
    data_dir.mkdir(parents=True)
    settings = gateway_env(store_url, **(env or {}))
    with ExitStack() as stack:
        if emulator is None:
            (root / "emulator").mkdir()
            emulator = stack.enter_context(running_emulator(root / "emulator", api_key=emulator_key(root.name[:8])))
        if relay is None:
            relay = stack.enter_context(running_relay(emulator.root))
        app = live_app(settings, data_dir, f"clinic-{root.name}", relay.url + "/v1", emulator.api_key)
        other = live_app(settings, data_dir, f"other-{root.name}", emulator.v1, emulator.api_key) if other_app else None
        logs = [root / f"gateway-{index}.log" for index in range(replicas)]
        gateways = [stack.enter_context(running_gateway(data_dir, settings, log_path=log)) for log in logs]
        yield Stack(gateways, app, emulator, relay, data_dir, settings, logs, other, store_url)


def kill_hard(url: str) -> None:
    """``kill -9`` the ``medley serve`` process listening at ``url`` (no cleanup of any kind runs)."""
    port = url.rsplit(":", 1)[1].encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"medley.cli" in args and b"serve" in args and port in args and args[args.index(port) - 1] == b"--port":
            os.kill(int(entry.name), signal.SIGKILL)
            return
    raise LookupError(f"no medley serve process listens at {url}")
