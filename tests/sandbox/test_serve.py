"""``serve_sandbox``: the emulator alone under a real uvicorn, over real sockets."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from medley.sandbox.cliniko.server import standalone_app
from tests.sandbox.conftest import SeededTemplate
from tests.sandbox.emulator import API_KEY, USER_AGENT
from tests.support.asgi_server import served
from tests.support.server import free_port


async def test_the_standalone_app_under_uvicorn(seeded_template: SeededTemplate, tmp_path: Path) -> None:
    from medley.sandbox.cliniko.server import ClinikoSandbox

    async with seeded_template.fresh_copy(tmp_path) as url:
        sandbox = ClinikoSandbox(database_url=url, api_key=API_KEY)
        async with (
            served(standalone_app(sandbox), lifespan="auto", log_level="error") as base,
            httpx.AsyncClient(base_url=base, auth=(API_KEY, ""), headers={"User-Agent": USER_AGENT}) as http,
        ):
            assert (await http.get("/health")).json() == {"status": "ok"}
            user = await http.get("/v1/user")
            assert user.status_code == 200
            assert user.json()["links"]["self"] == f"{base}/v1/users/{user.json()['id']}"
            with pytest.raises(httpx.RemoteProtocolError):
                await http.get("/v1/user", headers={"X-Medley-Fault": "drop"})
            assert (await http.get("/v1/businesses")).status_code == 200


def test_serve_sandbox_prints_the_url_and_key_and_serves(seeded_template: SeededTemplate, tmp_path: Path) -> None:
    if seeded_template.sqlite_file is None:
        pytest.skip("one store is enough to check the command")
    database = tmp_path / "served.db"
    database.write_bytes(seeded_template.sqlite_file.read_bytes())
    port = free_port()
    env = {
        **os.environ,
        "MEDLEY_SANDBOX_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "MEDLEY_DATA_DIR": str(tmp_path),
    }
    code = "from medley.config import Settings; from medley.sandbox.cliniko.server import serve_sandbox; " + (
        f"serve_sandbox(Settings(), '127.0.0.1', {port}, False)"
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    response = httpx.get(
                        f"http://127.0.0.1:{port}/v1/user", auth=(API_KEY, ""), headers={"User-Agent": USER_AGENT}
                    )
                    break
                except httpx.TransportError:
                    assert process.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.1)
            assert response.status_code == 200
        finally:
            process.terminate()
            process.wait(timeout=15)
    printed = log.read_text()
    assert f"http://127.0.0.1:{port}/v1" in printed and API_KEY in printed
