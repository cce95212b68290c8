"""A connection sealed under another master key is a clear problem, not a 500: the client hears which
connection it is and that it must be added again, and the log says so in one line, without a traceback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from medley.store.applications import create_application
from medley.store.connections import add_connection
from medley.store.database import Store
from tests.security.conftest import gateway_running

OLD_MASTER_KEY = "the-master-key-of-last-year-4f1c9a7e2b"
NEW_MASTER_KEY = "the-master-key-of-this-year-8d3b6e0f5a"


async def _app_with_a_connection(data_dir: Path) -> tuple[str, str, str]:
    """An application and its Cliniko connection, sealed under the old master key, as `medley connections add`
    makes them. Returns the client id, the client secret and the connection id."""
    store = Store.from_url(f"sqlite+aiosqlite:///{data_dir / 'medley.db'}")
    await store.start()
    try:
        application, secret = await create_application(store, "Last year's clinic")
        connection = await add_connection(
            store, application.id, secret, "cliniko", {"api_key": "MS0xMjM0LW9sZC1rZXk-au1"},
            base_url="http://127.0.0.1:9/v1", master_key=OLD_MASTER_KEY,
        )
        return application.client_id, secret, connection.id
    finally:
        await store.close()


def test_a_connection_sealed_under_another_master_key_must_be_added_again(tmp_path: Path) -> None:
    client_id, secret, connection_id = asyncio.run(_app_with_a_connection(tmp_path))
    headers = {"x-leyr-client-id": client_id, "x-leyr-client-secret": secret}
    with gateway_running(tmp_path, {"MEDLEY_MASTER_KEY": NEW_MASTER_KEY}) as gateway:
        answers = [
            httpx.get(gateway.url + "/api/emrs/cliniko/care-units", headers=headers, timeout=30.0) for _ in range(3)
        ]
        log = gateway.log.read_text(errors="replace")
    for response in answers:
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["code"] == "SERVICE_UNAVAILABLE"
        assert [e["error_code"] for e in problem["errors"]] == ["CONNECTION_UNREADABLE"]
        assert connection_id in problem["detail"] and "cliniko" in problem["detail"]
        assert "add the connection again" in problem["detail"]
    assert "Traceback" not in log and "DecryptionError" not in log, log
    lines = [line for line in log.splitlines() if connection_id in line]
    assert len(lines) == 1, log
    assert "add it again" in lines[0]
    assert secret not in log and OLD_MASTER_KEY not in log and NEW_MASTER_KEY not in log
