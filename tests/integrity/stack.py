"""Real processes for the integrity tests: emulators, gateways with live connections, applications.

Everything here starts real ``medley`` processes (never an in-process app), so the guarantees proven by
the tests hold over sockets, across processes and across stores.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.server import running_medley

MASTER_KEY = "integrity-master-key-" + secrets.token_hex(24)
USER_AGENT = "Medley integrity tests (tests@example.org)"

# Generous limits: these tests make many upstream calls in a short time, and measure our behaviour,
# not the emulator's rate limit.
_EMULATOR_ENV = {"MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "1000000", "MEDLEY_LOG_LEVEL": "warning"}
_GATEWAY_ENV = {
    "MEDLEY_SANDBOX": "false",
    "MEDLEY_MASTER_KEY": MASTER_KEY,
    "MEDLEY_UPSTREAM_REQUESTS_PER_MINUTE": "1000000",
    "MEDLEY_UPSTREAM_CONCURRENCY": "64",
    "MEDLEY_TIMESLOT_CACHE_SECONDS": "0",
}


def emulator_key(label: str) -> str:
    """A Cliniko-shaped API key (shard suffix included) distinct per emulator."""
    return f"MS0x{label}{secrets.token_hex(8)}-au1"


@dataclass(frozen=True)
class Emulator:
    url: str
    api_key: str
    data_dir: Path

    @property
    def api_base(self) -> str:
        return self.url + "/v1"

    def client(self, **headers: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.api_base,
            auth=(self.api_key, ""),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **headers},
            timeout=30.0,
        )


@contextmanager
def running_emulator(data_dir: Path, *, api_key: str, env: Mapping[str, str] | None = None) -> Iterator[Emulator]:
    full_env = {**_EMULATOR_ENV, "MEDLEY_SANDBOX_API_KEY": api_key, **(env or {})}
    with running_medley("sandbox", full_env, data_dir, health_path="/health") as url:
        yield Emulator(url, api_key, data_dir)


def gateway_env(store_url: str | None = None, **extra: str) -> dict[str, str]:
    env = dict(_GATEWAY_ENV)
    if store_url is not None:
        env["MEDLEY_DATABASE_URL"] = store_url
    env.update(extra)
    return env


@contextmanager
def running_gateway(
    data_dir: Path, env: Mapping[str, str], *, log_path: Path | None = None
) -> Iterator[str]:
    with running_medley("serve", env, data_dir, log_path=log_path) as url:
        yield url


@dataclass(frozen=True)
class Application:
    client_id: str
    client_secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"x-leyr-client-id": self.client_id, "x-leyr-client-secret": self.client_secret}

    def client(self, gateway_url: str, timeout: float = 30.0) -> httpx.Client:
        return httpx.Client(base_url=gateway_url + "/api", headers=self.headers, timeout=timeout)


def run_cli(data_dir: Path, env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``medley <args>`` as a subprocess against the same data dir / store as the servers."""
    full_env = {**os.environ, "MEDLEY_DATA_DIR": str(data_dir), **env}
    result = subprocess.run(
        [sys.executable, "-m", "medley.cli", *args],
        env=full_env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


def create_application(data_dir: Path, env: Mapping[str, str], name: str, emulator: Emulator) -> Application:
    """``medley apps create`` + ``medley connections add --base-url``: a live connection to ``emulator``."""
    created = run_cli(data_dir, env, "apps", "create", name).stdout
    client_id = _field(created, "client id")
    client_secret = _field(created, "client secret")
    run_cli(
        data_dir,
        {**env, "MEDLEY_CLIENT_SECRET": client_secret, "MEDLEY_EMR_API_KEY": emulator.api_key},
        "connections", "add", "--app", client_id,
        "--base-url", emulator.api_base, "--label", name,
    )
    return Application(client_id, client_secret)


def _field(output: str, name: str) -> str:
    match = re.search(rf"{name}:\s+(\S+)", output)
    assert match, output
    return match.group(1)
