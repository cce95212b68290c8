"""Prometheus metrics (``GET /metrics``): requests, upstream calls by EHR, lane and status, the request
budget left, and the scheduling mirror's lag and age. Labels carry route templates and ids, never
patient data or keys."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "medley_requests",
    "Gateway requests answered, by route template, method and status.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
REQUEST_SECONDS = Histogram(
    "medley_request_seconds",
    "Gateway request duration, by route template.",
    ["route"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
UPSTREAM_CALLS = Counter(
    "medley_upstream_calls",
    "Requests sent to an EHR, by EHR, budget lane and status (0: no answer).",
    ["ehr", "lane", "status"],
    registry=REGISTRY,
)
BUDGET_USED = Gauge(
    "medley_budget_used",
    "Upstream requests in the current budget window, by account and lane.",
    ["account", "lane"],
    registry=REGISTRY,
)
BUDGET_LEFT = Gauge(
    "medley_budget_left",
    "Upstream requests a lane may still send now, by account and lane.",
    ["account", "lane"],
    registry=REGISTRY,
)
SYNC_LAG = Gauge(
    "medley_sync_lag_seconds",
    "Seconds since the mirror's last successful sync, by connection.",
    ["connection"],
    registry=REGISTRY,
)
MIRROR_DRIFT = Counter(
    "medley_mirror_drift", "Samples where the EHR's own availability differed from the mirror's, by connection.",
    ["connection"], registry=REGISTRY,
)
MIRROR_LIVE = Gauge(
    "medley_mirror_live",
    "1 while the connection's mirror answers reads, else 0.",
    ["connection"],
    registry=REGISTRY,
)
