"""What stands in front of every ``/api/v1`` route, as one ASGI middleware:

1. paths are normalised: a trailing slash and a ``.json`` suffix are ignored (``/appointments.json``);
2. Acuity's limits per source address: 20 requests in flight and 10 per second, else 429 with the
   documented body (counted before authentication: Acuity counts connections, not accounts);
3. HTTP Basic ``userId:apiKey`` (401 ``unauthorized`` otherwise);
4. fault injection and artificial latency (only ever for authenticated requests).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from medley.sandbox.acuity.context import AcuityContext
from medley.sandbox.acuity.errors import API_PREFIX, error_response, unauthorized
from medley.sandbox.asgi import PrefixGate, with_path, without_trailing_slash
from medley.sandbox.faults import FAULT_HEADER, Fault, act_out, html_error_page, parse_faults
from medley.sandbox.latency import pause

RATE_LIMIT_MESSAGE = "Rate limit reached. Limit 10req/s and 20 concurrent connections."
FAULT_STATUSES = frozenset({403, 429, 500, 502, 503})
"""403 is the undocumented HTML throttle page real clients have met (reference §1.4)."""
_JSON_SUFFIX = ".json"


def too_many_requests() -> Response:
    return error_response(429, "too_many_requests", RATE_LIMIT_MESSAGE)


def _failure(fault: Fault) -> Response:
    status = fault.status or 500
    if status == 429:
        return too_many_requests()
    if status == 500:
        # Acuity's 500 body is undocumented: the emulator answers in its usual error shape.
        return error_response(500, "internal_server_error", "Internal Server Error")
    return html_error_page(status)


class ApiGate(PrefixGate):
    def __init__(self, app: ASGIApp, context: AcuityContext) -> None:
        super().__init__(app, API_PREFIX)
        self.context = context

    async def guard(self, path: str, scope: Scope, receive: Receive, send: Send) -> None:
        scope = _normalised(scope, path)
        source = _source_address(scope)
        concurrency = self.context.concurrency
        if concurrency is not None and not concurrency.acquire(source):
            await too_many_requests()(scope, receive, send)
            return
        try:
            await self._admit(source, scope, receive, send)
        finally:
            if concurrency is not None:
                concurrency.release(source)

    async def _admit(self, source: str, scope: Scope, receive: Receive, send: Send) -> None:
        context = self.context
        limiter = context.rate_limiter
        if limiter is not None and not limiter.hit(source, context.rate_clock()).allowed:
            await too_many_requests()(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not context.credentials.accept(headers.get("authorization")):
            await unauthorized()(scope, receive, send)
            return
        try:
            plan = parse_faults(headers[FAULT_HEADER], statuses=FAULT_STATUSES) if FAULT_HEADER in headers else None
        except ValueError as problem:
            await error_response(400, "bad_request", f"Invalid X-Medley-Fault header: {problem}")(scope, receive, send)
            return
        outcome = (plan or context.faults).draw(context.rng)
        await pause(context.latency_seconds + outcome.delay_seconds)
        if outcome.failure is not None:
            await act_out(outcome.failure, self.app, scope, receive, send, _failure)
            return
        await self.app(scope, receive, send)


def _normalised(scope: Scope, route: str) -> Scope:
    scope = without_trailing_slash(scope, route)
    path: str = scope["path"]
    if path.endswith(_JSON_SUFFIX):
        scope = with_path(scope, path[: -len(_JSON_SUFFIX)])
    return scope


def _source_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
