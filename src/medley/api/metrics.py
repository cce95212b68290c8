"""``GET /metrics`` (Prometheus text format), and the count of gateway requests (taken by the edge middleware).

Routes are labelled by their template (``/api/emrs/{emr}/care-units/{care_unit_id}/timeslots``), never the
concrete path, so ids stay out of the metrics and the number of series stays bounded.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from sqlalchemy import select
from starlette.responses import Response

from medley.connectors.lanes import Lane
from medley.connectors.rate_budget import known_budgets
from medley.metrics import BUDGET_LEFT, BUDGET_USED, MIRROR_LIVE, REGISTRY, REQUEST_SECONDS, REQUESTS, SYNC_LAG
from medley.store.tables import MirrorConnectionRow


def count_request(template: str, method: str, status: int, seconds: float) -> None:
    """One gateway request, labelled by its route template, method and status."""
    _requests(template, method, status).inc()
    _request_seconds(template).observe(seconds)


# The labelled children, looked up once per label set: on every request, the registry's lookup (a lock, label
# checks) cost more than the count. Route templates, methods and statuses are few, so the caches stay small.
@functools.lru_cache(maxsize=4096)
def _requests(template: str, method: str, status: int) -> Counter:
    return REQUESTS.labels(template, method, str(status))


@functools.lru_cache(maxsize=1024)
def _request_seconds(template: str) -> Histogram:
    return REQUEST_SECONDS.labels(template)


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
    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        await _refresh(request)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
