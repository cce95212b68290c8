"""What every connector's HTTP client shares: an upstream answer read in full with a size cap, the two errors a
caller must act on (a 404, and a write whose outcome is unknown), and the waits of its request loop.

The errors name the EHR; each connector subclasses them (``ClinikoNotFound``, ``AcuityNotFound``) so its
callers can tell its own 404s apart.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import httpx

from medley.domain.errors import DetailCode, ErrorCode, ErrorDetail, MedleyError


@dataclass(frozen=True, slots=True)
class Reply:
    """One upstream answer, read in full (with a size cap) before anyone looks at it."""

    status: int
    headers: httpx.Headers
    body: bytes
    encoding: str = "utf-8"

    @property
    def text(self) -> str:
        return self.body.decode(self.encoding, errors="replace")

    @property
    def content_type(self) -> str:
        value: str = self.headers.get("content-type", "")
        return value.split(";", 1)[0].strip().lower()


class UpstreamNotFound(MedleyError):
    """The EHR answered 404: an unknown id (or route). Only the caller knows which id was wrong."""

    ehr: ClassVar[str] = "The EHR"
    """Who answered, in the error's words: each connector's subclass names its EHR."""

    def __init__(self, path_template: str) -> None:
        detail = f"{self.ehr} has no such record."
        super().__init__(ErrorCode.NOT_FOUND, detail, [ErrorDetail(DetailCode.BAD_INPUT, detail)])
        self.path_template = path_template


class UnknownOutcome(MedleyError):
    """A write was sent but no usable answer came back (timeout, dropped connection, 5xx).

    The EHR may or may not have applied it, so it is never retried blindly: the caller looks for the
    effect first. Uncaught, it renders as 504 (timeout) or 502 (anything else).
    """

    ehr: ClassVar[str] = "The EHR"
    """Who did not answer, in the error's words: each connector's subclass names its EHR."""

    def __init__(self, method: str, path_template: str, *, timed_out: bool, upstream_status: int | None) -> None:
        detail = (
            f"{self.ehr} did not confirm {method} {path_template}; it may or may not have happened. "
            "Check before retrying."
        )
        code = ErrorCode.TIMEOUT if timed_out else ErrorCode.EMR_ERROR
        emr = {"status": upstream_status, "message": f"no confirmation from {self.ehr}"}
        super().__init__(code, detail, [ErrorDetail(DetailCode.BAD_INPUT, detail, emr_error=emr)])
        self.method = method
        self.path_template = path_template


def unreachable(ehr: str, path_template: str, exc: httpx.TransportError) -> MedleyError:
    """A read that never got an answer, after its retries."""
    if isinstance(exc, httpx.TimeoutException):
        return MedleyError.timeout(f"{ehr} did not answer {path_template} in time.")
    return MedleyError.emr_error(f"{ehr} could not be reached ({type(exc).__name__}).", None, None)


def malformed(ehr: str, path_template: str, why: str) -> MedleyError:
    """A 2xx answer we cannot use: the EHR changed, or something in between mangled it."""
    return MedleyError.emr_error(f"{ehr} sent an unexpected answer to {path_template}: {why}.", None, None)


def seconds_left(deadline: float | None) -> float:
    """Seconds until the request's deadline (on ``time.monotonic``; a large number without one)."""
    return math.inf if deadline is None else max(0.0, deadline - time.monotonic())


async def take_connection(in_flight: asyncio.Semaphore, deadline: float | None, *, upstream: str) -> None:
    """A free upstream connection from ``in_flight``, within the request's deadline (nothing has been sent yet);
    ``upstream`` names what the connection is to, in the timeout's message."""
    try:
        async with asyncio.timeout(None if deadline is None else max(0.0, deadline - time.monotonic())):
            await in_flight.acquire()
    except TimeoutError:
        raise MedleyError(
            ErrorCode.TIMEOUT,
            f"The request's deadline passed while it waited for a connection to {upstream}; nothing was sent.",
        ) from None


async def read_reply(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    limit: float,
    max_body_bytes: int,
    too_large: Callable[[], MedleyError],
) -> Reply:
    """Send ``request`` and read the whole answer within ``limit`` seconds (else ``httpx.ReadTimeout``, as a
    transport timeout); a body over ``max_body_bytes`` raises ``too_large()`` without being read further."""
    try:
        async with asyncio.timeout(max(0.0, limit)):
            response = await client.send(request, stream=True)
            try:
                declared = response.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > max_body_bytes:
                    raise too_large()
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body.extend(chunk)
                    if len(body) > max_body_bytes:
                        raise too_large()
            finally:
                await response.aclose()
    except TimeoutError:
        raise httpx.ReadTimeout("the upstream did not answer in time", request=request) from None
    return Reply(response.status_code, response.headers, bytes(body), response.charset_encoding or "utf-8")


async def backoff(attempt: int, *, base: float, cap: float) -> None:
    """Sleep before retry ``attempt`` (1, 2, ...): full jitter up to an exponential ceiling, which spreads the
    retries of a fan-out instead of synchronising them."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    await asyncio.sleep(random.uniform(0, ceiling))  # noqa: S311 - jitter, not security
