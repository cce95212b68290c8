"""The Acuity emulator served alone under a real uvicorn, and ``medley sandbox acuity`` on the command line."""

from __future__ import annotations

from pathlib import Path

import httpx
from typer.testing import CliRunner

from medley.cli import app
from medley.sandbox.acuity.server import AcuitySandbox, standalone_app
from tests.sandbox.acuity.conftest import API_KEY, USER_ID, pinned_clock
from tests.support.asgi_server import served


async def test_the_standalone_app_under_uvicorn(tmp_path: Path) -> None:
    sandbox = AcuitySandbox(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'acuity.db'}",
        user_id=USER_ID,
        api_key=API_KEY,
        clock=pinned_clock,
    )
    async with (
        served(standalone_app(sandbox), lifespan="auto", log_level="error") as base,
        httpx.AsyncClient(base_url=base, auth=(USER_ID, API_KEY)) as http,
    ):
        assert (await http.get("/health")).json() == {"status": "ok"}
        assert (await http.get("/api/v1/me.json")).json()["id"] == int(USER_ID)
        assert (await http.get("/api/v1/me", auth=(USER_ID, "nope"))).status_code == 401


def test_the_command_names_both_emulators() -> None:
    result = CliRunner().invoke(app, ["sandbox", "--help"])
    assert result.exit_code == 0
    assert "acuity" in result.stdout and "cliniko" in result.stdout
