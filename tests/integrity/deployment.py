"""Real Medley deployments for the integrity tests: emulator and gateway processes, applications made with
the ``medley`` CLI, and direct reads of the EHR (the emulator) to check what really got written.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from medley.config import DEFAULT_SANDBOX_API_KEY, DEFAULT_SANDBOX_CLIENT_ID, DEFAULT_SANDBOX_CLIENT_SECRET
from tests.support.server import running_medley

Json = Any

# Distinctive values, so a test can search logs and stores for them.
MASTER_KEY = "integrity-master-key-5c2e91d0a7b84f36b1d9e0c4"
EMULATOR_API_KEY = "MS0xaW50ZWdyaXR5LWVtdWxhdG9yLWtleS05ZDRi-au1"
USER_AGENT = "Medley integrity tests (integrity@example.org)"

EMULATOR_ENV = {
    "MEDLEY_SANDBOX_API_KEY": EMULATOR_API_KEY,
    "MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "0",
    "MEDLEY_LOG_LEVEL": "warning",
}
GATEWAY_ENV = {
    "MEDLEY_MASTER_KEY": MASTER_KEY,
    "MEDLEY_UPSTREAM_REQUESTS_PER_MINUTE": "100000",
    "MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "100000",
    # Reads must see writes made through other replicas or straight in the EHR at once.
    "MEDLEY_TIMESLOT_CACHE_SECONDS": "0",
    "MEDLEY_LOG_LEVEL": "debug",
}


# What a gateway of its own (``gateway_env``) adds: no built-in sandbox, and room for many clients at once.
_OWN_GATEWAY_ENV = {"MEDLEY_SANDBOX": "false", "MEDLEY_UPSTREAM_CONCURRENCY": "64"}


def gateway_env(store_url: str | None = None, **extra: str) -> dict[str, str]:
    """The settings of a gateway serving only live connections, on ``store_url`` (its SQLite file when None)."""
    env = {**GATEWAY_ENV, **_OWN_GATEWAY_ENV}
    if store_url is not None:
        env["MEDLEY_DATABASE_URL"] = store_url
    env.update(extra)
    return env


def emulator_key(label: str) -> str:
    """A Cliniko-shaped API key (shard suffix included), distinct per emulator."""
    return f"MS0x{label}{secrets.token_hex(8)}-au1"


@dataclass(frozen=True)
class AppCredentials:
    client_id: str
    client_secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"x-leyr-client-id": self.client_id, "x-leyr-client-secret": self.client_secret}

    def client(self, gateway_url: str, timeout: float = 30.0) -> httpx.Client:
        """A client of this application rooted at the gateway's ``/api``."""
        return httpx.Client(base_url=gateway_url + "/api", headers=self.headers, timeout=timeout)


SANDBOX_APP = AppCredentials(DEFAULT_SANDBOX_CLIENT_ID, DEFAULT_SANDBOX_CLIENT_SECRET)


def medley_cli(args: list[str], env: Mapping[str, str], data_dir: Path) -> str:
    """Run ``medley <args>`` as an administrator would; returns its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "medley.cli", *args],
        env={**os.environ, "MEDLEY_DATA_DIR": str(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"medley {args[0]} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done.stdout


def create_app(env: Mapping[str, str], data_dir: Path, name: str) -> AppCredentials:
    """``medley apps create``: a new application and its one-time secret."""
    output = medley_cli(["apps", "create", name], env, data_dir)
    client_id = re.search(r"client id:\s+(\S+)", output)
    secret = re.search(r"client secret:\s+(\S+)", output)
    assert client_id and secret, output
    return AppCredentials(client_id.group(1), secret.group(1))


def live_app(
    env: Mapping[str, str], data_dir: Path, name: str, base_url: str, api_key: str = EMULATOR_API_KEY
) -> AppCredentials:
    """An application with a live Cliniko connection to ``base_url``, made with the CLI
    (``apps create``, then ``connections add --base-url`` with the secrets in the environment)."""
    app = create_app(env, data_dir, name)
    secrets = {"MEDLEY_CLIENT_SECRET": app.client_secret, "MEDLEY_EMR_API_KEY": api_key}
    medley_cli(
        ["connections", "add", "--app", app.client_id, "--emr", "cliniko", "--base-url", base_url],
        {**env, **secrets},
        data_dir,
    )
    return app


def gateway_api(base_url: str, app: AppCredentials, timeout: float = 60.0) -> httpx.Client:
    """A client of one application on one gateway, rooted at ``/api/emrs/cliniko``."""
    return httpx.Client(base_url=f"{base_url}/api/emrs/cliniko", headers=app.headers, timeout=timeout)


def instant(value: str | datetime) -> str:
    """Cliniko's form of a moment: UTC, no fractions."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Emulator:
    """The EHR as a test sees it, straight (never through Medley): ``root`` is where ``/v1`` lives."""

    root: str
    api_key: str = EMULATOR_API_KEY

    @property
    def v1(self) -> str:
        return self.root.rstrip("/") + "/v1"

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.v1, auth=(self.api_key, ""), headers={"User-Agent": USER_AGENT}, timeout=30.0
        )

    def appointments_in(self, slot: Mapping[str, Json], *, archived_too: bool = False) -> list[dict[str, Json]]:
        """The practitioner's appointments starting within the slot; cancelled ones are never counted."""
        params: list[tuple[str, str | int | float | bool | None]] = [
            ("q[]", f"starts_at:>={instant(slot['start'])}"),
            ("q[]", f"starts_at:<{instant(slot['end'])}"),
            ("q[]", f"practitioner_id:={slot['resource_id']}"),
            ("per_page", "100"),
        ]
        if archived_too:
            params.append(("q[]", "archived_at:*"))
        with self.client() as client:
            response = client.get("/individual_appointments", params=params)
        assert response.status_code == 200, response.text
        return list(response.json()["individual_appointments"])

    def count(self, collection: str, *filters: str) -> int:
        with self.client() as client:
            response = client.get(f"/{collection}", params=[("q[]", f) for f in filters])
        assert response.status_code == 200, response.text
        return int(response.json()["total_entries"])


BUILT_IN_SANDBOX_KEY = DEFAULT_SANDBOX_API_KEY


def built_in_emulator(gateway_url: str) -> Emulator:
    """The sandbox a ``medley serve`` carries, mounted at ``/sandbox/cliniko``."""
    return Emulator(f"{gateway_url}/sandbox/cliniko", BUILT_IN_SANDBOX_KEY)


@contextmanager
def running_emulator(
    data_dir: Path, env: Mapping[str, str] | None = None, *, api_key: str | None = None
) -> Iterator[Emulator]:
    """``medley sandbox`` as its own process (SQLite in ``data_dir`` unless ``env`` says otherwise)."""
    settings = {**EMULATOR_ENV, **(env or {})}
    if api_key is not None:
        settings["MEDLEY_SANDBOX_API_KEY"] = api_key
    with running_medley("sandbox", settings, data_dir, log_path=data_dir / "emulator.log") as url:
        yield Emulator(url, settings["MEDLEY_SANDBOX_API_KEY"])


@contextmanager
def running_gateway(
    data_dir: Path, env: Mapping[str, str] | None = None, *, log_path: Path | None = None
) -> Iterator[str]:
    """``medley serve`` with the test settings; its stdout and stderr go to ``log_path`` (default
    ``data_dir/gateway.log``)."""
    with running_medley(
        "serve", {**GATEWAY_ENV, **(env or {})}, data_dir, log_path=log_path or data_dir / "gateway.log"
    ) as url:
        yield url
