"""Composition root: builds the gateway, the in-process sandbox, the console and the MCP endpoint, and picks
adapters."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy.engine import make_url

from medley import __version__
from medley.agents import install_mcp
from medley.agents.llms_txt import install_llms_txt
from medley.api.connection_limits import uvicorn_limits
from medley.api.deps import SECURITY_SCHEMES
from medley.api.metrics import install_metrics
from medley.api.middleware import RequestContextMiddleware
from medley.api.problem import install_problem_handlers
from medley.api.routes import appointments, care_units, events, inbound, patients, records, timeslots, webhooks
from medley.api.store_outage import install_store_outage_handlers, readiness
from medley.config import DEFAULT_MASTER_KEY, Settings, load_settings
from medley.connectors.admission import Admission
from medley.connectors.redis_client import aclose_redis_clients
from medley.console import install_console
from medley.events.delivery import DeliveryWorker
from medley.observability import configure_logging
from medley.sandbox.embedded import build_sandboxes
from medley.sandbox.own_loop import EmbeddedSandboxes
from medley.services.availability import AvailabilityReader
from medley.services.connector_pool import ConnectorPool
from medley.services.inbound import InboundPushes
from medley.services.runtime import Runtime
from medley.store.applications import Authenticator, ensure_sandbox_application
from medley.store.audit import AuditWriter
from medley.store.audit_ids import audit_id_key
from medley.store.database import Store
from medley.store.holds import HoldStore
from medley.store.idempotency import IdempotencyStore
from medley.store.locks import booking_lock
from medley.sync.push import GATEWAY_INTERNAL_HOST
from medley.sync.reader import MirrorReader
from medley.sync.supervisor import SyncSupervisor

logger = logging.getLogger("medley")

DESCRIPTION = """One REST API in front of clinics' practice-management systems (EHRs).

Authenticate every call with the `x-leyr-client-id` and `x-leyr-client-secret` headers. Start with
`GET /api/emrs/{emr}/care-units`, then patients, healthcare services, resources and timeslots, then book.
Errors are `application/problem+json` with a top-level `code` and detailed `errors[].error_code`.
"""


def _servers(settings: Settings) -> list[dict[str, str]]:
    url = settings.public_url or f"http://{settings.host}:{settings.port}"
    return [{"url": url.rstrip("/"), "description": "This Medley server"}]


def _finish_openapi(app: FastAPI) -> None:
    """Two additions to what FastAPI generates: the credential headers' schemes (``deps.SECURITY_SCHEMES``, which
    every gateway route requires), and invalid input is a 400 problem, never FastAPI's default 422 schema."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema.setdefault("components", {}).setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
            for operation in (op for path in schema.get("paths", {}).values() for op in path.values()):
                responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
                if "HTTPValidationError" in str(responses.get("422", "")):
                    responses.pop("422")
            for unused in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(unused, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _check_master_key(settings: Settings) -> None:
    if settings.master_key.get_secret_value() != DEFAULT_MASTER_KEY:
        return
    if not settings.sandbox:
        raise RuntimeError(
            "MEDLEY_MASTER_KEY is still the public development default: set a long random secret before serving "
            "real EHR credentials (see docs/operations.md)."
        )
    logger.warning("MEDLEY_MASTER_KEY is the development default: fine for the sandbox, never for real credentials")


def create_app(settings: Settings | None = None, *, long_lived: bool = False) -> FastAPI:
    """The gateway; ``long_lived`` (``medley serve``) also takes what start-up built out of the collector's sight."""
    settings = settings or load_settings()
    _check_master_key(settings)
    # The emulators run on a loop of their own (``sandbox.own_loop``), as a remote EHR on its own server would.
    sandboxes = EmbeddedSandboxes(build_sandboxes(settings) if settings.sandbox else {})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store.from_url(settings.resolved_database_url)
        await store.start()
        await sandboxes.start()
        if sandboxes.emulators:
            await ensure_sandbox_application(store, settings)
        # An emulator crash reaches the connector as an upstream 500, exactly as it would over the network.
        transports = sandboxes.transports()
        mirror = MirrorReader(store, settings)
        connectors = ConnectorPool(settings, store, transports, mirror=mirror)
        audit = AuditWriter(store, id_key=audit_id_key(settings.master_key.get_secret_value()))
        audit.start()
        app.state.runtime = Runtime(
            settings=settings,
            store=store,
            authenticator=Authenticator(store, settings),
            connectors=connectors,
            lock=partial(booking_lock, store),
            idempotency=IdempotencyStore(
                store,
                master_key=settings.master_key.get_secret_value(),
                lease=timedelta(seconds=settings.idempotency_lease_seconds),
            ),
            audit=audit,
            holds=HoldStore(store, horizon=timedelta(seconds=settings.write_hold_seconds)),
            availability=AvailabilityReader(connectors, mirror),
            inbound=InboundPushes(store, settings, connectors, mirror),
        )
        # An embedded emulator with webhooks (Acuity's) delivers them to this app in-process (``sync.push``).
        await sandboxes.deliver_webhooks_to(GATEWAY_INTERNAL_HOST, app)
        app.state.mirror = mirror
        if long_lived:
            # What start-up built (the framework, the routes and their schemas, the emulators) lives as long as
            # the process: frozen, full collections no longer walk it (each took 150 ms, now 20 ms; bench/).
            gc.collect()
            gc.freeze()
        # The scheduling mirror's sync runs in this process too (and in any `medley worker`), under leases.
        syncing = (
            asyncio.create_task(SyncSupervisor(store, settings, connectors).run(), name="medley-sync")
            if settings.sync_enabled
            else None
        )
        # Webhook deliveries run in this process too (and in any `medley worker`): they share the outbox.
        deliveries = (
            asyncio.create_task(DeliveryWorker(store, settings).run(), name="medley-webhook-delivery")
            if settings.webhook_deliver_in_serve
            else None
        )
        try:
            # The MCP endpoint's task group (stateless: nothing survives a request but this).
            async with agents.run():
                yield
        finally:
            if syncing is not None:
                syncing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await syncing
            if deliveries is not None:
                deliveries.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await deliveries
            await audit.aclose()
            await connectors.aclose()
            await aclose_redis_clients()
            await sandboxes.stop()
            await store.close()

    app = FastAPI(
        title="Medley",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        servers=_servers(settings),
        docs_url=None,  # served by the console from local assets, never a CDN
        redoc_url=None,
        # FastAPI's own OpenTelemetry hooks asked the global providers on every request; Medley reports through
        # its Prometheus metrics and its access log (docs/operations.md).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_problem_handlers(app)
    install_metrics(app)
    install_store_outage_handlers(app)
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.request_max_bytes,
        body_timeout_seconds=settings.request_body_timeout_seconds,
        admission=Admission(settings.read_concurrency) if settings.read_concurrency > 0 else None,
    )
    for module in (care_units, timeslots, patients, appointments, records, events, webhooks, inbound):
        app.include_router(module.router)
    install_console(app, settings)
    agents = install_mcp(app, settings)
    install_llms_txt(app)
    _finish_openapi(app)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        """Liveness only: the process answers. Readiness (the store reachable) is ``GET /ready``."""
        return {"status": "ok", "version": __version__}

    app.add_api_route("/ready", readiness, methods=["GET"], include_in_schema=False)

    @app.get("/", include_in_schema=False)
    async def index() -> RedirectResponse:
        return RedirectResponse("/console" if settings.sandbox else "/docs")

    for emr in sandboxes.emulators:
        app.mount(f"/sandbox/{emr}", sandboxes.mountable(emr))
    return app


def _banner(settings: Settings, host: str, port: int) -> str:
    base = f"http://{host}:{port}"
    store = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
    lines = [f"Medley {__version__} on {base}  (API docs: {base}/docs)", f"Store: {store}"]
    if settings.sandbox:
        lines += [
            "Sandbox mode: a Cliniko and an Acuity practice are built in (MEDLEY_SANDBOX=false turns them off).",
            f"  x-leyr-client-id:     {settings.sandbox_client_id}",
            f"  x-leyr-client-secret: {settings.sandbox_client_secret.get_secret_value()}",
            f"  try: curl -H 'x-leyr-client-id: {settings.sandbox_client_id}' "
            f"-H 'x-leyr-client-secret: {settings.sandbox_client_secret.get_secret_value()}' "
            f"{base}/api/emrs/cliniko/care-units",
            f"  emulator: {base}/sandbox/cliniko/v1 (API key: {settings.sandbox_api_key.get_secret_value()})",
            f"  and Acuity: {base}/api/emrs/acuity/care-units; emulator: {base}/sandbox/acuity/api/v1 "
            f"(user id {settings.sandbox_acuity_user_id}, API key "
            f"{settings.sandbox_acuity_api_key.get_secret_value()})",
        ]
    return "\n".join(lines)


GIL_SWITCH_SECONDS = 0.0001


def serve(settings: Settings, host: str, port: int) -> None:
    settings = settings.model_copy(update={"host": host, "port": port})
    configure_logging(settings.log_level)
    print(_banner(settings, host, port), flush=True)
    # SQLite runs in threads (aiosqlite) that need the interpreter lock for every call: while the event loop is
    # busy (a read storm), each of them waited up to the default 5 ms switch interval, many times per booking.
    # 0.1 ms rather than 0.5 ms: a storm's bookings p95 1.27 s -> 0.81 s, and reads faster too (bench/).
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    # uvicorn's own access log prints query strings, which may carry patient data: ours does not.
    uvicorn.run(
        create_app(settings, long_lived=True),
        host=host,
        port=port,
        access_log=False,
        log_level=settings.log_level,
        # X-Forwarded-For is believed only from the configured proxies: uvicorn's own default trusts
        # 127.0.0.1, which would let anything on this host pick the address the auth throttle counts.
        proxy_headers=bool(settings.trusted_proxy_list),
        forwarded_allow_ips=settings.trusted_proxy_list or None,
        # Silent, slow and idle connections are closed after documented timeouts (docs/operations.md).
        **uvicorn_limits(
            header_seconds=settings.request_header_timeout_seconds,
            keep_alive_seconds=settings.keep_alive_timeout_seconds,
        ),
    )
