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

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medley.sandbox.asgi import PrefixGate, adding_headers, without_trailing_slash
from medley.sandbox.cliniko.auth import access_denied, has_user_agent, is_authorised, user_agent_required
from medley.sandbox.cliniko.context import SandboxContext
from medley.sandbox.cliniko.rate_limit import too_many_requests
from medley.sandbox.faults import FAULT_HEADER, Fault, act_out, html_error_page, parse_faults
from medley.sandbox.latency import pause
from medley.sandbox.rate_limit import RateDecision

API_PREFIX = "/v1"
_DEFAULT_RESET_SECONDS = 60


class ApiGate(PrefixGate):
    def __init__(self, app: ASGIApp, context: SandboxContext) -> None:
        super().__init__(app, API_PREFIX)
        self.context = context

    async def guard(self, path: str, scope: Scope, receive: Receive, send: Send) -> None:
        scope = without_trailing_slash(scope, path)
        if scope["method"] == "HEAD":
            # Rails answers HEAD as the GET it stands for, headers only.
            scope = {**scope, "method": "GET"}
            send = _headers_only(send)
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
        await self.app(scope, receive, adding_headers(send, rate_headers))

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
        def answer(status_fault: Fault) -> Response:
            if status_fault.status == 429:
                if status_fault.seconds > 0:
                    reset_at = math.ceil(now + status_fault.seconds)
                elif decision is not None:
                    reset_at = decision.reset_at
                else:
                    reset_at = int(now) + _DEFAULT_RESET_SECONDS
                return too_many_requests(reset_at, now, rate_headers)
            response = _failure(status_fault.status or 500)
            response.headers.update(rate_headers)
            return response

        await act_out(fault, self.app, scope, receive, send, answer)


def _failure(status: int) -> Response:
    """The body a failing Cliniko really sends: Rails' JSON from the app, HTML from the load balancer."""
    if status == 500:
        return JSONResponse({"status": "500", "error": "Internal Server Error"}, status_code=500)
    return html_error_page(status)


def _headers_only(send: Send) -> Send:
    """A ``send`` that keeps the status and headers (``Content-Length`` included) and drops the body."""

    async def send_headers(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_headers
