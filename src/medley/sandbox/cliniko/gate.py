"""What stands in front of every ``/v1`` route, in Cliniko's order, as one ASGI middleware:

1. a missing or empty ``User-Agent`` is refused (403 ``Requires a user agent``);
2. HTTP Basic with the API key (401 otherwise, Rails' plain-text answer);
3. the per-key rate limit (429 with ``X-RateLimit-Reset``); every later answer carries
   ``X-RateLimit-Limit`` / ``X-RateLimit-Remaining`` / ``X-RateLimit-Reset``;
4. fault injection and artificial latency (only ever for authenticated requests).

Trailing slashes are ignored (``/v1/patients/`` is ``/v1/patients``), as Rails routes them. Being plain
ASGI, the ``drop`` fault can cut the connection after the status line, which a route cannot do.
"""

from __future__ import annotations

import math

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medley.sandbox.cliniko.auth import access_denied, has_user_agent, is_authorised, user_agent_required
from medley.sandbox.cliniko.context import SandboxContext
from medley.sandbox.cliniko.faults import (
    FAULT_HEADER,
    DroppedConnection,
    Fault,
    FaultKind,
    failure_response,
    parse_faults,
)
from medley.sandbox.cliniko.latency import pause
from medley.sandbox.cliniko.rate_limit import RateDecision, too_many_requests

API_PREFIX = "/v1"
_DEFAULT_RESET_SECONDS = 60


class ApiGate:
    def __init__(self, app: ASGIApp, context: SandboxContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = _route_path(scope)
        if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        scope = _without_trailing_slash(scope, path)
        headers = Headers(scope=scope)
        if not has_user_agent(headers.get("user-agent")):
            await user_agent_required()(scope, receive, send)
            return
        context = self.context
        if not is_authorised(context.api_key, authorization=headers.get("authorization"), host=headers.get("host")):
            await access_denied()(scope, receive, send)
            return
        now = context.clock().timestamp()
        decision = self._count(context, now)
        if decision is not None and not decision.allowed:
            await too_many_requests(decision.reset_at, now, decision.headers())(scope, receive, send)
            return
        rate_headers = decision.headers() if decision is not None else {}
        try:
            plan = parse_faults(headers[FAULT_HEADER]) if FAULT_HEADER in headers else context.faults
        except ValueError as problem:
            await JSONResponse({"message": f"Invalid X-Medley-Fault header: {problem}"}, 400)(scope, receive, send)
            return
        outcome = plan.draw(context.rng)
        await pause(context.latency_seconds + outcome.delay_seconds)
        if outcome.failure is not None:
            await self._fail(outcome.failure, decision, now, rate_headers, scope, receive, send)
            return
        await self.app(scope, receive, _adding_headers(send, rate_headers))

    def _count(self, context: SandboxContext, now: float) -> RateDecision | None:
        if context.rate_limiter is None:
            return None
        # One budget per key, whichever form (with or without the shard suffix) the caller sent.
        return context.rate_limiter.hit(context.api_key.without_shard, now)

    async def _fail(
        self,
        fault: Fault,
        decision: RateDecision | None,
        now: float,
        rate_headers: dict[str, str],
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        response: Response
        if fault.kind is FaultKind.DROP_AFTER:
            # The request is carried out (a write is committed); only its answer is lost on the way.
            await self.app(scope, receive, _discarding)
        if fault.kind in (FaultKind.DROP, FaultKind.DROP_AFTER):
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1024")]})
            raise DroppedConnection()
        if fault.kind is FaultKind.HANG:
            await pause(fault.seconds)
            response = failure_response(504)
        elif fault.status == 429:
            if fault.seconds > 0:
                reset_at = math.ceil(now + fault.seconds)
            elif decision is not None:
                reset_at = decision.reset_at
            else:
                reset_at = int(now) + _DEFAULT_RESET_SECONDS
            response = too_many_requests(reset_at, now, rate_headers)
        else:
            response = failure_response(fault.status or 500)
            response.headers.update(rate_headers)
        await response(scope, receive, send)


async def _discarding(_message: Message) -> None:
    """A ``send`` that goes nowhere: the answer of a request whose connection is about to drop."""


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    return path[len(root_path) :] if root_path and path.startswith(root_path) else path


def _without_trailing_slash(scope: Scope, route_path: str) -> Scope:
    if len(route_path) <= 1 or not route_path.endswith("/"):
        return scope
    trimmed = scope["path"].rstrip("/")
    raw_path: bytes | None = scope.get("raw_path")
    return {**scope, "path": trimmed, "raw_path": raw_path.rstrip(b"/") if raw_path else trimmed.encode()}


def _adding_headers(send: Send, extra: dict[str, str]) -> Send:
    if not extra:
        return send

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in extra.items():
                headers[name] = value
        await send(message)

    return send_with_headers
