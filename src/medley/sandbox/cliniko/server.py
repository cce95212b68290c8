"""The Cliniko emulator as a component: build it from settings, start it, serve it alone or mounted.

``ClinikoSandbox`` is a `medley.sandbox.serving.Emulator`: the gateway mounts it (``/sandbox/cliniko``)
or reaches it in-process and calls ``start``/``stop`` itself. ``serve_sandbox`` runs it alone under
uvicorn (``medley sandbox cliniko``).
"""

from __future__ import annotations

import random
from datetime import timedelta

from fastapi import FastAPI
from starlette.applications import Starlette

from medley.config import Settings
from medley.sandbox import serving
from medley.sandbox.cliniko.application import create_emulator_app
from medley.sandbox.cliniko.auth import ApiKey
from medley.sandbox.cliniko.context import SandboxContext
from medley.sandbox.cliniko.db import SCHEMA
from medley.sandbox.cliniko.seed import seed_practice
from medley.sandbox.cliniko.tables import Business
from medley.sandbox.clock import Clock, utc_now
from medley.sandbox.faults import parse_faults
from medley.sandbox.rate_limit import FixedWindowRateLimiter


class ClinikoSandbox:
    """A Cliniko-compatible API (``/v1`` plus a fake S3 bucket) over its own database."""

    app: FastAPI
    api_key: str

    def __init__(
        self,
        *,
        database_url: str,
        api_key: str,
        rate_limit_per_minute: int = 200,
        latency_ms: int = 0,
        faults: str = "",
        clock: Clock = utc_now,
        rng: random.Random | None = None,
        attachment_processing_seconds: float = 0.0,
    ) -> None:
        """``rate_limit_per_minute`` <= 0 turns the limit off; ``faults`` uses the grammar in
        ``faults.py`` and is checked here, so a typo fails at start-up rather than at random.
        ``attachment_processing_seconds``: how long an upload stays unprocessed, on ``clock`` (0: at once)."""
        self.api_key = api_key
        self.database = SCHEMA.database(database_url)
        self.context = SandboxContext(
            database=self.database,
            api_key=ApiKey(api_key),
            rate_limiter=FixedWindowRateLimiter(rate_limit_per_minute) if rate_limit_per_minute > 0 else None,
            faults=parse_faults(faults),
            latency_seconds=max(latency_ms, 0) / 1000,
            clock=clock,
            rng=rng or random.Random(),  # noqa: S311 - fault dice, not cryptography
            attachment_processing=timedelta(seconds=max(attachment_processing_seconds, 0.0)),
        )
        self.app = create_emulator_app(self.context)

    async def start(self, *, reset: bool = False) -> None:
        """Migrate; with ``reset`` wipe every row; seed the practice if there is no business yet."""
        await SCHEMA.prepare(
            self.database,
            reset=reset,
            seeded=Business.id,
            seed=lambda session: seed_practice(session, today=self.context.now().date()),
        )

    async def stop(self) -> None:
        await self.database.dispose()


def build_sandbox(settings: Settings) -> ClinikoSandbox:
    return ClinikoSandbox(
        database_url=settings.resolved_sandbox_database_url,
        api_key=settings.sandbox_api_key.get_secret_value(),
        rate_limit_per_minute=settings.sandbox_rate_limit_per_minute,
        latency_ms=settings.sandbox_latency_ms,
        faults=settings.sandbox_faults,
        attachment_processing_seconds=settings.sandbox_attachment_processing_seconds,
    )


def standalone_app(sandbox: ClinikoSandbox, *, reset: bool = False) -> Starlette:
    """The emulator served alone: its lifespan starts and stops the sandbox; ``/health`` for probes."""
    return serving.standalone_app(sandbox, reset=reset)


def serve_sandbox(settings: Settings, host: str, port: int, reset: bool) -> None:
    """Run the emulator alone under uvicorn until interrupted (``medley sandbox cliniko``)."""
    sandbox = build_sandbox(settings)
    shown_host = serving.shown_host(host)
    # The key is the public sandbox value (or the operator's own choice): printing it is the point.
    print(f"Cliniko emulator: http://{shown_host}:{port}/v1")
    print(f"  API key (HTTP Basic user name): {sandbox.api_key}")
    print(
        f"  e.g. curl -u '{sandbox.api_key}:' -H 'User-Agent: you (you@example.com)' http://{shown_host}:{port}/v1/user"
    )
    serving.run_standalone(sandbox, settings, host=host, port=port, reset=reset)
