"""Several gateway processes sharing one store (a SQLite file on one machine, or PostgreSQL), each reaching
the emulator through the fault relay; and ``kill -9`` for one of them."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.integrity.deployment import GATEWAY_ENV, AppCredentials, gateway_api, live_app
from tests.support.server import running_medley


@dataclass(frozen=True)
class Replicas:
    urls: list[str]
    app: AppCredentials
    data_dir: Path
    env: dict[str, str]

    def api(self, index: int, timeout: float = 60.0) -> httpx.Client:
        return self.api_of(self.urls[index], timeout)

    def api_of(self, url: str, timeout: float = 60.0) -> httpx.Client:
        return gateway_api(url, self.app, timeout)

    @contextmanager
    def one_more(self, name: str) -> Iterator[str]:
        """Another replica on the same store (e.g. one a test means to kill)."""
        with running_medley("serve", self.env, self.data_dir, log_path=self.data_dir / f"{name}.log") as url:
            yield url


@contextmanager
def running_replicas(
    data_dir: Path, env: Mapping[str, str], upstream_v1: str, *, count: int = 2
) -> Iterator[Replicas]:
    """``count`` gateways (``MEDLEY_SANDBOX=false``) serving one application whose live connection is
    ``upstream_v1``, on the store ``env`` names (SQLite in ``data_dir`` by default)."""
    full_env = {**GATEWAY_ENV, "MEDLEY_SANDBOX": "false", **env}
    app = live_app(full_env, data_dir, "Replicated clinic", upstream_v1)
    with ExitStack() as stack:
        urls = [
            stack.enter_context(
                running_medley("serve", full_env, data_dir, log_path=data_dir / f"gateway-{i}.log")
            )
            for i in range(count)
        ]
        yield Replicas(urls, app, data_dir, full_env)


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
