"""The Acuity emulator as a component: build it from settings, start it, serve it alone or mounted.

``AcuitySandbox`` is a `medley.sandbox.serving.Emulator`: the gateway mounts it (``/sandbox/acuity``)
or reaches it in-process and calls ``start``/``stop`` itself. ``serve_sandbox`` runs it alone under
uvicorn (``medley sandbox acuity``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import httpx
from fastapi import FastAPI
from starlette.applications import Starlette

from medley.config import Settings
from medley.sandbox import serving
from medley.sandbox.acuity.application import create_emulator_app
from medley.sandbox.acuity.auth import Credentials
from medley.sandbox.acuity.context import AcuityContext
from medley.sandbox.acuity.db import SCHEMA
from medley.sandbox.acuity.gate import FAULT_STATUSES
from medley.sandbox.acuity.seed import seed_practice
from medley.sandbox.acuity.tables import Account
from medley.sandbox.acuity.webhooks import WebhookDispatcher
from medley.sandbox.clock import Clock, utc_now
from medley.sandbox.faults import parse_faults
from medley.sandbox.rate_limit import ConcurrencyLimiter, FixedWindowRateLimiter

RATE_LIMIT_PER_SECOND = 10
MAX_CONCURRENT = 20


class AcuitySandbox:
    """An Acuity-compatible API (``/api/v1``) over its own database."""

    app: FastAPI

    def __init__(
        self,
        *,
        database_url: str,
        user_id: str,
        api_key: str,
        rate_limit_per_second: int = RATE_LIMIT_PER_SECOND,
        max_concurrent: int = MAX_CONCURRENT,
        latency_ms: int = 0,
        faults: str = "",
        clock: Clock = utc_now,
        rate_clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """A limit <= 0 turns it off; ``faults`` uses the grammar of `medley.sandbox.faults` (plus ``403``)
        and is checked here, so a typo fails at start-up rather than at random."""
        self.user_id = user_id
        self.api_key = api_key
        self.database = SCHEMA.database(database_url)
        self.context = AcuityContext(
            database=self.database,
            credentials=Credentials(user_id=user_id, api_key=api_key),
            rate_limiter=FixedWindowRateLimiter(rate_limit_per_second, 1) if rate_limit_per_second > 0 else None,
            concurrency=ConcurrencyLimiter(max_concurrent) if max_concurrent > 0 else None,
            faults=parse_faults(faults, statuses=FAULT_STATUSES),
            latency_seconds=max(latency_ms, 0) / 1000,
            clock=clock,
            rate_clock=rate_clock,
            rng=rng or random.Random(),  # noqa: S311 - fault dice, not cryptography
            webhooks=WebhookDispatcher(webhook_transport),
        )
        self.app = create_emulator_app(self.context)

    async def start(self, *, reset: bool = False) -> None:
        """Migrate; with ``reset`` wipe every row; seed the practice if there is no account yet."""
        await SCHEMA.prepare(
            self.database,
            reset=reset,
            seeded=Account.id,
            seed=lambda session: seed_practice(session, today=self.context.now().date()),
        )

    def route_webhooks(self, host: str, transport: httpx.AsyncBaseTransport) -> None:
        """Webhook deliveries to ``host`` go through ``transport`` (``medley serve`` routes its own host to itself)."""
        self.context.webhooks.route(host, transport)

    async def stop(self) -> None:
        await self.context.webhooks.drain()
        await self.database.dispose()


def build_sandbox(settings: Settings) -> AcuitySandbox:
    return AcuitySandbox(
        database_url=settings.resolved_sandbox_acuity_database_url,
        user_id=settings.sandbox_acuity_user_id,
        api_key=settings.sandbox_acuity_api_key.get_secret_value(),
        rate_limit_per_second=settings.sandbox_acuity_rate_limit_per_second,
        max_concurrent=settings.sandbox_acuity_max_concurrent,
        latency_ms=settings.sandbox_acuity_latency_ms,
        faults=settings.sandbox_acuity_faults,
    )


def standalone_app(sandbox: AcuitySandbox, *, reset: bool = False) -> Starlette:
    """The emulator served alone: its lifespan starts and stops the sandbox; ``/health`` for probes."""
    return serving.standalone_app(sandbox, reset=reset)


def serve_sandbox(settings: Settings, host: str, port: int, reset: bool) -> None:
    """Run the emulator alone under uvicorn until interrupted (``medley sandbox acuity``)."""
    sandbox = build_sandbox(settings)
    shown_host = serving.shown_host(host)
    # The credentials are the public sandbox values (or the operator's own choice): printing them is the point.
    print(f"Acuity emulator: http://{shown_host}:{port}/api/v1")
    print(f"  User ID: {sandbox.user_id}   API key: {sandbox.api_key}")
    print(f"  e.g. curl -u '{sandbox.user_id}:{sandbox.api_key}' http://{shown_host}:{port}/api/v1/me")
    serving.run_standalone(sandbox, settings, host=host, port=port, reset=reset)
