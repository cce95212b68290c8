"""Per request: which budget lane its upstream calls draw on, and the deadline they all share (DESIGN §7)."""

from __future__ import annotations

import time

from fastapi import Request

from medley.connectors.lanes import Lane, current_lane, request_deadline

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def enter_upstream_context(request: Request) -> None:
    """Called by the gateway's route class before its handler. Set in the request's own context (each request
    runs in its own task), so nothing needs resetting."""
    current_lane.set(Lane.write if request.method in _WRITES else Lane.read)
    settings = getattr(getattr(request.app.state, "runtime", None), "settings", None)
    seconds = settings.request_deadline_seconds if settings is not None else 30.0
    request_deadline.set(time.monotonic() + seconds)
