"""The ``medley`` command: run the gateway or the sandbox, and administer the gateway's store.

Secrets never appear in output, except the freshly generated client secret of ``apps create``;
EHR API keys and client secrets are read from a hidden prompt or the environment, not echoed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from sqlalchemy.engine import make_url

from medley.cli_help import tidy_command
from medley.config import Settings, load_settings
from medley.domain.errors import MedleyError
from medley.store.applications import (
    Application,
    create_application,
    get_application_by_client_id,
    list_applications,
)
from medley.store.audit import AuditEvent, list_events
from medley.store.connections import add_connection, list_connections
from medley.store.database import Store

CLIENT_SECRET_ENV = "MEDLEY_CLIENT_SECRET"  # noqa: S105 - the name of an environment variable
EMR_API_KEY_ENV = "MEDLEY_EMR_API_KEY"

T = TypeVar("T")

app = typer.Typer(
    name="medley",
    help="Medley: one REST API in front of clinics' practice-management systems.",
    no_args_is_help=True,
    add_completion=False,
)
apps_app = typer.Typer(help="API client applications.", no_args_is_help=True)
connections_app = typer.Typer(help="An application's EHR connections.", no_args_is_help=True)
db_app = typer.Typer(help="The gateway's own database.", no_args_is_help=True)
webhooks_app = typer.Typer(help="An application's webhook subscriptions.", no_args_is_help=True)
app.add_typer(apps_app, name="apps")
app.add_typer(connections_app, name="connections")
app.add_typer(db_app, name="db")
app.add_typer(webhooks_app, name="webhooks")
sync_app = typer.Typer(help="The scheduling mirror's sync.", no_args_is_help=True)
app.add_typer(sync_app, name="sync")

# Defaults through show_default: square brackets in a help text are rich markup, and vanish.
HostOption = Annotated[
    str | None, typer.Option(help="Interface to listen on.", show_default="MEDLEY_HOST, else 127.0.0.1")
]
PortOption = Annotated[
    int | None, typer.Option(help="Port to listen on.", show_default="MEDLEY_PORT, else 8000")
]
AppOption = Annotated[str, typer.Option("--app", help="The application's client id.")]


def _missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file ``url`` names, when it does not exist yet (None for PostgreSQL or an existing file)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database).expanduser().resolve()
    return None if path.exists() else path


def _with_store(work: Callable[[Store, Settings], Awaitable[T]], *, create: bool = False) -> T:
    """Open the store (bringing its schema up to date), run ``work``, close it; errors exit with code 1.

    Says on stderr which store it uses; without ``create``, a store that does not exist yet is an error,
    never an empty one made here (then the server would not know what this command wrote).
    """
    settings = load_settings()
    url = settings.resolved_database_url
    missing = _missing_sqlite_file(url)
    if missing is not None and not create:
        typer.echo(
            f"Error: there is no Medley store at {missing}. Start the server once (medley serve, or make run) "
            "or run medley db upgrade to create it, or point MEDLEY_DATA_DIR / MEDLEY_DATABASE_URL at yours.",
            err=True,
        )
        raise typer.Exit(1)
    shown = make_url(url).render_as_string(hide_password=True)
    typer.echo(f"Store: {shown}" + (" (new: created now)" if missing is not None else ""), err=True)

    async def run() -> T:
        store = Store.from_url(settings.resolved_database_url)
        try:
            await store.start()
            return await work(store, settings)
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except MedleyError as exc:
        typer.echo(f"Error: {exc.detail}", err=True)
        raise typer.Exit(1) from None


async def _application(store: Store, client_id: str) -> Application:
    application = await get_application_by_client_id(store, client_id)
    if application is None:
        typer.echo(f"Error: no application has the client id {client_id!r}.", err=True)
        raise typer.Exit(1)
    return application


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in [list(headers), *[list(r) for r in rows]]]
    return "\n".join(lines)


@app.command()
def serve(host: HostOption = None, port: PortOption = None) -> None:
    """Run the gateway (with the built-in Cliniko sandbox unless MEDLEY_SANDBOX=false)."""
    from medley.app import serve as serve_gateway

    settings = load_settings()
    serve_gateway(settings, host or settings.host, port if port is not None else settings.port)


class SandboxEhr(StrEnum):
    CLINIKO = "cliniko"
    ACUITY = "acuity"


@app.command()
def sandbox(
    ehr: Annotated[
        SandboxEhr, typer.Argument(help="Which EHR's emulator: cliniko (the default) or acuity.")
    ] = SandboxEhr.CLINIKO,
    host: HostOption = None,
    port: PortOption = None,
    reset: Annotated[bool, typer.Option("--reset", help="Rebuild the sandbox's data from the seed.")] = False,
) -> None:
    """Run an EHR emulator alone (Cliniko's or Acuity's), for offline integration tests."""
    settings = load_settings()
    where = (host or settings.host, port if port is not None else settings.port)
    if ehr is SandboxEhr.ACUITY:
        from medley.sandbox.acuity.server import serve_sandbox as serve_acuity

        serve_acuity(settings, *where, reset)
        return
    from medley.sandbox.cliniko.server import serve_sandbox

    serve_sandbox(settings, *where, reset)


@apps_app.command("create")
def apps_create(name: Annotated[str, typer.Argument(help="A name people will recognise.")]) -> None:
    """Create an application and print its client id and secret (the secret is shown this once)."""

    async def work(store: Store, _: Settings) -> tuple[Application, str]:
        return await create_application(store, name)

    application, secret = _with_store(work, create=True)
    typer.echo(f"Created application {application.name!r}.")
    typer.echo(f"  client id:     {application.client_id}")
    typer.echo(f"  client secret: {secret}")
    typer.echo(
        "Store the secret now, somewhere safe: Medley keeps only a hash of it and cannot show it again.\n"
        "It is also half of the key that protects this application's EHR credentials: lose it and they must "
        "be added again.",
        err=True,
    )


@apps_app.command("list")
def apps_list() -> None:
    """List the applications (never their secrets)."""

    async def work(store: Store, _: Settings) -> list[Application]:
        return await list_applications(store)

    applications = _with_store(work)
    if not applications:
        typer.echo("No applications yet: create one with `medley apps create NAME`.")
        return
    rows = [
        (a.client_id, a.name, a.created_at.isoformat(timespec="seconds"),
         "disabled" if a.disabled else "active")
        for a in applications
    ]
    typer.echo(_table(("CLIENT ID", "NAME", "CREATED", "STATUS"), rows))


def _client_secret() -> str:
    secret = os.environ.get(CLIENT_SECRET_ENV)
    if secret:
        return secret
    entered: str = typer.prompt("Client secret of the application", hide_input=True)
    return entered


@connections_app.command("add")
def connections_add(
    app_client_id: AppOption,
    api_key: Annotated[
        str,
        typer.Option(
            prompt="EHR API key", hide_input=True, envvar=EMR_API_KEY_ENV, show_envvar=True,
            help="The EHR API key; prompted for (hidden) when not given.",
        ),
    ],
    emr: Annotated[str, typer.Option(help="The EHR's connector code.")] = "cliniko",
    base_url: Annotated[
        str | None, typer.Option(help="Reach the EHR at this URL instead of its own (e.g. an emulator).")
    ] = None,
    label: Annotated[str | None, typer.Option(help="A note for people, e.g. the clinic's name.")] = None,
    user_id: Annotated[
        str | None, typer.Option(help="Acuity only: the account's numeric User ID (Integrations → API).")
    ] = None,
) -> None:
    """Connect an application to an EHR (replacing its connection to that EHR, if any).

    The application's client secret is asked for with a hidden prompt, or read from MEDLEY_CLIENT_SECRET.
    With the server's master key, it seals the EHR credentials.
    """
    client_secret = _client_secret()

    async def work(store: Store, settings: Settings) -> str:
        application = await _application(store, app_client_id)
        credentials = {"api_key": api_key} if user_id is None else {"user_id": user_id, "api_key": api_key}
        connection = await add_connection(
            store, application.id, client_secret, emr, credentials,
            kind="live", base_url=base_url, label=label, master_key=settings.master_key.get_secret_value(),
        )
        return f"Connected {application.client_id} to {connection.emr} ({connection.kind})."

    typer.echo(_with_store(work))


@connections_app.command("list")
def connections_list(app_client_id: AppOption) -> None:
    """List an application's EHR connections (never their credentials)."""

    async def work(store: Store, _: Settings) -> list[tuple[str, str, str, str, str]]:
        application = await _application(store, app_client_id)
        return [
            (c.emr, c.kind, c.label, c.base_url or "-", c.created_at.isoformat(timespec="seconds"))
            for c in await list_connections(store, application.id)
        ]

    rows = _with_store(work)
    if not rows:
        typer.echo(f"{app_client_id} has no EHR connections yet.")
        return
    typer.echo(_table(("EMR", "KIND", "LABEL", "BASE URL", "CREATED"), rows))


@sync_app.command("status")
def sync_status(as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """Per connection: mirror state (cold, warming, live), last successful sync, lag, upstream calls in the
    last minute by budget lane, which process syncs it, and the last error."""
    from medley.sync.status import sync_statuses

    statuses = _with_store(lambda store, _: sync_statuses(store))
    if as_json:
        for status in statuses:
            typer.echo(
                json.dumps(
                    {
                        "connection_id": status.connection_id,
                        "application": status.application,
                        "emr": status.emr,
                        "kind": status.kind,
                        "state": status.state,
                        "synced_at": status.synced_at.isoformat() if status.synced_at else None,
                        "lag_seconds": round(status.lag_seconds, 1) if status.lag_seconds is not None else None,
                        "reconciled_at": status.reconciled_at.isoformat() if status.reconciled_at else None,
                        "calls_last_minute": status.budget_usage,
                        "syncer": status.holder,
                        "last_error": status.last_error,
                        "last_error_at": status.last_error_at.isoformat() if status.last_error_at else None,
                    }
                )
            )
        return
    if not statuses:
        typer.echo("No connections yet.")
        return
    rows = [
        (
            s.application,
            s.emr,
            s.state,
            s.synced_at.isoformat(timespec="seconds") if s.synced_at else "-",
            f"{s.lag_seconds:.0f} s" if s.lag_seconds is not None else "-",
            " ".join(f"{lane}={count}" for lane, count in sorted(s.budget_usage.items()) if count) or "-",
            s.holder or "-",
            (s.last_error or "-")[:60],
        )
        for s in statuses
    ]
    typer.echo(_table(("APPLICATION", "EHR", "STATE", "LAST SYNC", "LAG", "CALLS/MIN", "SYNCER", "LAST ERROR"), rows))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the store's schema to the newest version."""

    async def work(store: Store, settings: Settings) -> str:
        return make_url(settings.resolved_database_url).render_as_string(hide_password=True)

    typer.echo(f"The store at {_with_store(work, create=True)} is up to date.")


def _event_json(event: AuditEvent) -> str:
    return json.dumps({
        "id": event.id, "at": event.at.isoformat(), "operation": event.operation, "method": event.method,
        "path": event.path_template, "record_ids": list(event.record_ids), "status": event.status_code,
        "request_id": event.request_id,
    })


@app.command()
def audit(
    app_client_id: AppOption,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many of the newest events.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Print an application's audit trail, newest first (ids and outcomes only, no clinical content)."""

    async def work(store: Store, _: Settings) -> list[AuditEvent]:
        application = await _application(store, app_client_id)
        return await list_events(store, application.id, limit)

    events = _with_store(work)
    if as_json:
        for event in events:
            typer.echo(_event_json(event))
        return
    if not events:
        typer.echo(f"No audit events for {app_client_id}.")
        return
    rows = [
        (e.at.isoformat(timespec="seconds"), e.operation, e.method, e.path_template, str(e.status_code),
         ",".join(e.record_ids) or "-", e.request_id)
        for e in events
    ]
    typer.echo(_table(("AT", "OPERATION", "METHOD", "PATH", "STATUS", "RECORD IDS", "REQUEST ID"), rows))


@app.command()
def worker() -> None:
    """Run the background work without serving HTTP (the scheduling mirror's sync and webhook deliveries);
    start as many as you need: each connection is synced by one process at a time."""
    from medley.events.delivery import DeliveryWorker
    from medley.observability import configure_logging
    from medley.sync.background import sync_in_worker

    settings = load_settings()
    configure_logging(settings.log_level)

    async def run() -> None:
        store = Store.from_url(settings.resolved_database_url)
        try:
            await store.start()
            # One task per kind of background work; each loops until the process is stopped.
            loops = [DeliveryWorker(store, settings).run()]
            if settings.sync_enabled:
                loops.append(sync_in_worker(store, settings))
            await asyncio.gather(*loops)
        finally:
            await store.close()

    typer.echo("Medley worker: syncing scheduling mirrors and delivering webhooks (Ctrl-C to stop).", err=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


@webhooks_app.command("list")
def webhooks_list(app_client_id: AppOption) -> None:
    """List an application's webhooks (never their secrets)."""
    from medley.events.subscriptions import list_subscriptions

    async def work(store: Store, _: Settings) -> list[tuple[str, str, str, str, str]]:
        application = await _application(store, app_client_id)
        return [
            (s.id, s.url, ",".join(s.events), "enabled" if s.enabled else f"disabled ({s.disabled_reason})",
             s.created_at.isoformat(timespec="seconds"))
            for s in await list_subscriptions(store, application.id)
        ]

    rows = _with_store(work)
    if not rows:
        typer.echo(f"{app_client_id} has no webhooks yet.")
        return
    typer.echo(_table(("ID", "URL", "EVENTS", "STATUS", "CREATED"), rows))


@webhooks_app.command("add")
def webhooks_add(
    app_client_id: AppOption,
    url: Annotated[str, typer.Option(help="Where to POST the events (https outside sandbox mode).")],
    events: Annotated[str, typer.Option(help="Comma-separated event types, or * for all.")] = "*",
    description: Annotated[str, typer.Option(help="A note for people.")] = "",
) -> None:
    """Subscribe an application to events; prints the signing secret this once."""
    from medley.events.subscriptions import create_subscription

    async def work(store: Store, settings: Settings) -> tuple[str, str]:
        application = await _application(store, app_client_id)
        wanted = [e.strip() for e in events.split(",") if e.strip()]
        subscription, secret = await create_subscription(
            store, settings, application.id, url=url, events=wanted, description=description
        )
        return subscription.id, secret

    subscription_id, secret = _with_store(work)
    typer.echo(f"Created webhook {subscription_id}.")
    typer.echo(f"  signing secret: {secret}")
    typer.echo("Store the secret now: it is not shown again (rotate it through the API if it is lost).", err=True)


@webhooks_app.command("remove")
def webhooks_remove(
    app_client_id: AppOption, webhook_id: Annotated[str, typer.Argument(help="The webhook's id (whk_…).")]
) -> None:
    """Remove a webhook and its pending deliveries."""
    from medley.events.subscriptions import delete_subscription

    async def work(store: Store, _: Settings) -> None:
        application = await _application(store, app_client_id)
        await delete_subscription(store, application.id, webhook_id)

    _with_store(work)
    typer.echo(f"Removed webhook {webhook_id}.")


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    app_client_id: AppOption,
    webhook_id: Annotated[str, typer.Argument(help="The webhook's id (whk_…).")],
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many of the newest.")] = 20,
) -> None:
    """A webhook's newest deliveries: event, status, attempts, last answer, next retry."""
    from medley.events.outbox import list_deliveries

    async def work(store: Store, _: Settings) -> list[tuple[str, str, str, str, str, str, str]]:
        application = await _application(store, app_client_id)
        return [
            (d.id, d.event_id, d.event_type, d.status, str(d.attempts),
             str(d.last_status_code or d.last_error or "-"),
             d.next_attempt_at.isoformat(timespec="seconds") if d.next_attempt_at else "-")
            for d in await list_deliveries(store, application.id, webhook_id, limit=limit)
        ]

    rows = _with_store(work)
    if not rows:
        typer.echo(f"Webhook {webhook_id} has no deliveries yet.")
        return
    typer.echo(_table(("DELIVERY", "EVENT", "TYPE", "STATUS", "ATTEMPTS", "LAST ANSWER", "NEXT RETRY"), rows))


def main() -> None:
    tidy_command(app)()


if __name__ == "__main__":
    main()
