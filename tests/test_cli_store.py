"""One store wherever the CLI runs: with nothing configured, ``medley serve`` and every other command use the
same absolute default store, say which, and a command never makes an empty store of its own somewhere else.

Real processes (``python -m medley.cli``) in different working directories, with a home of their own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.server import free_port


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


def _env(home: Path) -> dict[str, str]:
    unset = {"MEDLEY_DATA_DIR", "MEDLEY_DATABASE_URL", "MEDLEY_SANDBOX_DATABASE_URL", "XDG_DATA_HOME"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    return {**env, "HOME": str(home), "MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "100000"}


def medley(home: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "medley.cli", *args], cwd=cwd, env=_env(home), capture_output=True, text=True,
        timeout=120,
    )


@contextmanager
def serving(home: Path, cwd: Path) -> Iterator[tuple[str, Path]]:
    cwd.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = cwd / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "medley.cli", "serve", "--port", str(port)],
            cwd=cwd, env=_env(home), stdout=output, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            yield f"http://127.0.0.1:{port}", log
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_a_command_run_elsewhere_before_any_store_exists_says_so_and_creates_nothing(
    home: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    result = medley(home, elsewhere, "apps", "list")
    assert result.returncode == 1, result
    store = home / ".local" / "share" / "medley" / "medley.db"
    assert f"no Medley store at {store}" in result.stderr
    assert not (elsewhere / ".medley").exists()
    assert not store.exists()


def test_serve_and_every_command_share_one_store_wherever_they_run(home: Path, tmp_path: Path) -> None:
    store = home / ".local" / "share" / "medley" / "medley.db"
    with serving(home, tmp_path / "checkout") as (url, log):
        assert f"Store: sqlite+aiosqlite:///{store}" in log.read_text()
        created = medley(home, tmp_path / "somewhere" / "else", "apps", "create", "Front desk")
        assert created.returncode == 0, created.stderr
        assert f"Store: sqlite+aiosqlite:///{store}" in created.stderr
        client_id = created.stdout.split("client id:")[1].split()[0]
        secret = created.stdout.split("client secret:")[1].split()[0]
        # The server knows the application the CLI made from another directory: 200, not 401.
        answer = httpx.get(
            f"{url}/api/emrs", headers={"x-leyr-client-id": client_id, "x-leyr-client-secret": secret}
        )
        assert answer.status_code == 200, answer.text
    listed = medley(home, tmp_path / "a" / "third" / "place", "apps", "list")
    assert listed.returncode == 0, listed.stderr
    assert "Front desk" in listed.stdout and "sandbox" in listed.stdout
    assert not any(p.name == ".medley" for p in tmp_path.rglob(".medley"))
