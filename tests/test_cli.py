from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from typer.testing import CliRunner

from medley.cli import app
from medley.config import Settings
from medley.store.applications import Authenticator, get_application_by_client_id
from medley.store.audit import AuditEvent, record
from medley.store.connections import decrypt_credentials, get_connection
from medley.store.database import Store

API_KEY = "MS0xMjM0LXJlYWwtY2xpbmljLWtleQ-au3"
MASTER_KEY = "cli-test-master-key"
T = TypeVar("T")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "MEDLEY_DATA_DIR": str(tmp_path),
        "MEDLEY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'medley.db'}",
        "MEDLEY_MASTER_KEY": MASTER_KEY,
    }


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _create_app(runner: CliRunner, env: dict[str, str], name: str = "Front desk") -> tuple[str, str]:
    result = runner.invoke(app, ["apps", "create", name], env=env)
    assert result.exit_code == 0, result.output
    client_id = re.search(r"client id:\s+(\S+)", result.stdout)
    secret = re.search(r"client secret:\s+(\S+)", result.stdout)
    assert client_id and secret
    assert "cannot show it again" in result.stderr
    return client_id.group(1), secret.group(1)


def _in_store(env: dict[str, str], work: Callable[[Store], Awaitable[T]]) -> T:
    """Run ``work`` against the store the CLI uses (outside the CLI, in a loop of its own)."""

    async def run() -> T:
        store = Store.from_url(env["MEDLEY_DATABASE_URL"])
        try:
            await store.start()
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


def _raw_database(tmp_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in tmp_path.glob("medley.db*"))


def test_apps_create_prints_a_working_secret_once_and_list_never_does(
    runner: CliRunner, env: dict[str, str], tmp_path: Path
) -> None:
    client_id, secret = _create_app(runner, env)

    async def authenticate(store: Store) -> object:
        return await Authenticator(store, Settings()).authenticate(client_id, secret, "cli-test")

    assert _in_store(env, authenticate) is not None
    listed = runner.invoke(app, ["apps", "list"], env=env)
    assert listed.exit_code == 0
    assert client_id in listed.stdout and "Front desk" in listed.stdout
    assert secret not in listed.output
    assert secret.encode() not in _raw_database(tmp_path)


def test_connections_add_seals_the_key_and_never_prints_it(
    runner: CliRunner, env: dict[str, str], tmp_path: Path
) -> None:
    client_id, secret = _create_app(runner, env)
    added = runner.invoke(
        app,
        [
            "connections",
            "add",
            "--app",
            client_id,
            "--emr",
            "cliniko",
            "--api-key",
            API_KEY,
            "--base-url",
            "http://127.0.0.1:8001/v1",
        ],
        env={**env, "MEDLEY_CLIENT_SECRET": secret},
    )
    assert added.exit_code == 0, added.output
    assert "Connected" in added.stdout
    listed = runner.invoke(app, ["connections", "list", "--app", client_id], env=env)
    assert listed.exit_code == 0
    assert (
        "cliniko" in listed.stdout and "live" in listed.stdout and "http://127.0.0.1:8001/v1" in listed.stdout
    )
    for result in (added, listed):
        assert API_KEY not in result.output and secret not in result.output
    assert API_KEY.encode() not in _raw_database(tmp_path)

    async def credentials(store: Store) -> dict[str, str]:
        application = await get_application_by_client_id(store, client_id)
        assert application is not None
        connection = await get_connection(store, application.id, "cliniko")
        assert connection is not None
        return decrypt_credentials(connection, master_key=MASTER_KEY, client_secret=secret)

    assert _in_store(env, credentials) == {"api_key": API_KEY}


def test_connections_add_asks_for_key_and_secret_with_hidden_prompts(
    runner: CliRunner, env: dict[str, str]
) -> None:
    client_id, secret = _create_app(runner, env)
    no_env: dict[str, str | None] = {**env, "MEDLEY_CLIENT_SECRET": None, "MEDLEY_EMR_API_KEY": None}
    result = runner.invoke(
        app, ["connections", "add", "--app", client_id], env=no_env, input=f"{API_KEY}\n{secret}\n"
    )
    assert result.exit_code == 0, result.output
    assert API_KEY not in result.output and secret not in result.output
    assert "Connected" in result.stdout


def test_connections_add_refuses_a_wrong_secret_or_an_unknown_app(
    runner: CliRunner, env: dict[str, str]
) -> None:
    client_id, _ = _create_app(runner, env)
    wrong = runner.invoke(
        app,
        ["connections", "add", "--app", client_id, "--api-key", API_KEY],
        env={**env, "MEDLEY_CLIENT_SECRET": "not-the-right-secret"},
    )
    assert wrong.exit_code == 1
    assert "client secret does not belong" in wrong.stderr
    unknown = runner.invoke(
        app,
        ["connections", "add", "--app", "app_nobody", "--api-key", API_KEY],
        env={**env, "MEDLEY_CLIENT_SECRET": "whatever-secret"},
    )
    assert unknown.exit_code == 1
    assert "no application" in unknown.stderr
    assert API_KEY not in wrong.output + unknown.output
    listed = runner.invoke(app, ["connections", "list", "--app", client_id], env=env)
    assert "no EHR connections" in listed.stdout


def test_db_upgrade_is_repeatable(runner: CliRunner, env: dict[str, str], tmp_path: Path) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["db", "upgrade"], env=env)
        assert result.exit_code == 0, result.output
        assert "up to date" in result.stdout
    assert (tmp_path / "medley.db").exists()


def test_audit_prints_the_trail_as_a_table_or_json_lines(runner: CliRunner, env: dict[str, str]) -> None:
    client_id, _ = _create_app(runner, env)

    async def seed(store: Store) -> None:
        application = await get_application_by_client_id(store, client_id)
        assert application is not None
        for minute, status in ((1, 201), (2, 409)):
            await record(
                store,
                AuditEvent(
                    at=datetime(2026, 5, 4, 9, minute, tzinfo=UTC),
                    application_id=application.id,
                    operation="appointments.create",
                    method="POST",
                    path_template="/api/emrs/{emr}/care-units/{care_unit_id}/appointments",
                    status_code=status,
                    request_id=f"req-{minute}",
                    record_ids=("42",),
                ),
            )

    _in_store(env, seed)
    table = runner.invoke(app, ["audit", "--app", client_id], env=env)
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["AT", "OPERATION", "METHOD"]
    assert "req-2" in lines[1] and "409" in lines[1] and "req-1" in lines[2]
    as_json = runner.invoke(app, ["audit", "--app", client_id, "--json", "--limit", "1"], env=env)
    assert as_json.exit_code == 0
    events = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [(e["request_id"], e["status"], e["record_ids"]) for e in events] == [("req-2", 409, ["42"])]


def test_every_command_documents_itself(runner: CliRunner) -> None:
    for command in (
        ["serve"],
        ["sandbox"],
        ["apps", "create"],
        ["connections", "add"],
        ["db", "upgrade"],
        ["audit"],
    ):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, (command, result.output)
    assert "--reset" in runner.invoke(app, ["sandbox", "--help"]).stdout
