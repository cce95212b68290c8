"""The gateway's one ASGI middleware: request ids, body limits, ``no-store``, request metrics, and an access log
that carries no patient data.

One layer rather than one per concern: every layer wraps ``send`` once more for every message of every
response, which the read path pays in full (``bench/read_path.py``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medley.api.cache_control import NO_STORE, is_private, no_store_applied
from medley.api.metrics import count_request
from medley.connectors.admission import Admission
from medley.services.authentication import CLIENT_ID_HEADER, CLIENT_SECRET_HEADER

access_log = logging.getLogger("medley.access")

_READS = frozenset({"GET", "HEAD"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


_CLIENT_ID = CLIENT_ID_HEADER.encode()
_CLIENT_SECRET = CLIENT_SECRET_HEADER.encode()


def _known(scope: Scope) -> bool:
    """Whether the request's credentials were verified a moment ago: only such requests take part in admission."""
    runtime = getattr(getattr(scope.get("app"), "state", None), "runtime", None)
    if runtime is None:
        return False
    client_id = secret = b""
    for name, value in scope.get("headers", ()):
        if name == _CLIENT_ID:
            client_id = value
        elif name == _CLIENT_SECRET:
            secret = value
    return bool(client_id and secret) and bool(
        runtime.authenticator.remembers(client_id.decode("latin-1"), secret.decode("latin-1"))
    )


def _new_request_id() -> str:
    # A correlation id, not a secret: the non-cryptographic generator is a tenth of uuid4's cost.
    return f"{random.getrandbits(128):032x}"


class RequestContextMiddleware:
    """Gives each request an id (``x-request-id``, kept when the client sent a sane one), marks private answers
    and problems ``Cache-Control: no-store`` (``cache_control``), counts the request (``metrics``) and logs
    method, route template, status and duration: never the query string or the body, which may hold PHI."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        body_timeout_seconds: float = 30.0,
        admission: Admission | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_seconds = body_timeout_seconds
        self.admission = admission

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next(
            (v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-request-id"), ""
        )
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else _new_request_id()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        private = is_private(str(scope.get("path", "")))
        started = time.perf_counter()
        status = 500
        declared = next((v for k, v in scope.get("headers", []) if k == b"content-length"), b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            # Refused before the body is read; FastAPI's own limit still guards bodies without a length.
            await self._too_large(send, request_id)
            access_log.info("%s <unread> 413 request_id=%s", scope.get("method"), request_id)
            return

        received = 0
        body_deadline: float | None = None
        body_done = False
        # Only a verified caller's requests take part in admission (admission.py): a first login must not queue
        # behind reads, nor can made-up credentials slow everyone's. Its reads take turns; its writes narrow the
        # turns to one at a time once their body has arrived (a body sent slowly narrows nothing).
        admission = self.admission if self.admission is not None and private and _known(scope) else None
        writing = admission.writing() if admission is not None and scope.get("method") not in _READS else None

        async def receive_within_limit() -> Message:
            # A body without a Content-Length (chunked) is counted as it streams in; the exception reaches the
            # problem handlers, so the 413 is a problem document like every other error. The whole body must
            # arrive within the deadline: a body sent a byte at a time is a 408, not a connection held for ever.
            nonlocal received, body_deadline, body_done
            if body_done:
                return await receive()  # e.g. a response waiting for the disconnect: no deadline then
            if body_deadline is None:
                body_deadline = time.monotonic() + self.body_timeout_seconds
            try:
                async with asyncio.timeout(max(body_deadline - time.monotonic(), 0.0)):
                    message = await receive()
            except TimeoutError:
                raise HTTPException(
                    408,
                    f"The request body did not arrive within {self.body_timeout_seconds:g} s.",
                    headers={"Connection": "close"},
                ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise HTTPException(413, f"The request body is larger than {self.max_body_bytes} bytes.")
                body_done = not message.get("more_body", False)
            else:
                body_done = True
            if body_done and writing is not None:
                writing.begin()
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = no_store_applied(headers, private)
            await send(message)

        try:
            if admission is not None and writing is None:
                # Reads take turns, so a storm of them cannot hold a booking's every await.
                async with admission.admitted():
                    await self.app(scope, receive_within_limit, send_with_id)
            else:
                await self.app(scope, receive_within_limit, send_with_id)
        finally:
            if writing is not None:
                writing.end()
            template = getattr(scope.get("route"), "path", None) or "<unmatched>"
            seconds = time.perf_counter() - started
            count_request(template, str(scope.get("method", "")), status, seconds)
            access_log.info(
                "%s %s %d %.1fms request_id=%s app=%s",
                scope.get("method"),
                template,
                status,
                seconds * 1000,
                request_id,
                state.get("application_id", "-"),
            )

    async def _too_large(self, send: Send, request_id: str) -> None:
        body = json.dumps(
            {
                "code": "PAYLOAD_TOO_LARGE",
                "type": "https://github.com/medley-health/medley/blob/main/docs/reference.md#payload-too-large",
                "title": "Payload too large",
                "status": 413,
                "detail": f"The request body is larger than {self.max_body_bytes} bytes.",
                "instance": request_id,
                "errors": [],
            }
        ).encode()
        headers = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-request-id", request_id.encode()),
            (b"cache-control", NO_STORE),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
