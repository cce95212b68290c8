"""``GET /metrics`` (Prometheus text format) and the middleware that counts gateway requests.

Routes are labelled by their template (``/api/emrs/{emr}/care-units/{care_unit_id}/timeslots``), never the
concrete path, so ids stay out of the metrics and the number of series stays bounded.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import select
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medley.connectors.lanes import Lane
from medley.connectors.rate_budget import known_budgets
from medley.metrics import BUDGET_LEFT, BUDGET_USED, MIRROR_LIVE, REGISTRY, REQUEST_SECONDS, REQUESTS, SYNC_LAG
from medley.store.tables import MirrorConnectionRow


class RequestMetricsMiddleware:
    """Counts every HTTP request by route template, method and status, and times it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "<unmatched>"
            REQUESTS.labels(template, scope.get("method", ""), str(status)).inc()
            REQUEST_SECONDS.labels(template).observe(time.perf_counter() - started)


async def _refresh(request: Request) -> None:
    for name, budget in known_budgets():
        for lane in Lane:
            BUDGET_LEFT.labels(name, str(lane)).set(await budget.headroom(lane))
        used = getattr(budget, "used", None)
        if used is not None:
            for lane_name, count in used().items():
                BUDGET_USED.labels(name, lane_name).set(count)
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        return
    now = datetime.now(UTC)
    async with runtime.store.sessions() as session:
        rows = await session.execute(
            select(MirrorConnectionRow.connection_id, MirrorConnectionRow.state, MirrorConnectionRow.synced_at)
        )
        for connection_id, state, synced_at in rows:
            MIRROR_LIVE.labels(connection_id).set(1 if state == "live" else 0)
            if synced_at is not None:
                SYNC_LAG.labels(connection_id).set((now - synced_at).total_seconds())


def install_metrics(app: FastAPI) -> None:
    app.add_middleware(RequestMetricsMiddleware)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        await _refresh(request)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
