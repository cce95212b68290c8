"""The HTTP client for Acuity Scheduling's API v1: Basic auth, its request limit, retries and errors.

One ``AcuityClient`` per account (user id and API key) owns one ``httpx.AsyncClient``; callers pass paths
(``/appointments/123``) and get JSON back (objects or arrays: Acuity's lists are bare arrays, unpaginated).

Acuity limits each source address to 10 requests per second and 20 at once (reference §1.4), so the budget
is per upstream address, not per account: every account this process reaches at one Acuity shares one
sliding-window budget (10 in any second, divided between lanes as for Cliniko) and one bound of 20 requests
in flight. With ``Settings.redis_url`` the window is shared by every replica; the in-flight bound is per
process (an operator running several replicas behind one address lowers ``MEDLEY_ACUITY_MAX_CONCURRENT``).

Safety rules, as for Cliniko: reads are retried with jittered backoff; a write whose outcome is unknown is
raised as ``UnknownOutcome`` and never retried blindly; a 429 (or Acuity's HTML 403 throttle) holds the
whole budget for a second and is retried within a bounded wait. Logs carry method, path template, status
and latency, never query strings, bodies or credentials.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import re
import time
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from medley import __version__
from medley.config import Settings
from medley.connectors.acuity.errors import UnknownOutcome, error_for_status, is_throttle, malformed, unreachable
from medley.connectors.admission import stepping_aside
from medley.connectors.lanes import current_lane, request_deadline
from medley.connectors.rate_budget import RateBudget, Shares, budget_key, build_rate_budget, rate_limited
from medley.connectors.upstream import Reply, backoff, read_reply, seconds_left, take_connection
from medley.domain.errors import ErrorCode, MedleyError
from medley.metrics import UPSTREAM_CALLS

logger = logging.getLogger("medley.connectors.acuity")

Json = Any
QueryParams = Sequence[tuple[str, str]]

DEFAULT_BASE_URL = "https://acuityscheduling.com/api/v1"
DEFAULT_USER_AGENT = f"Medley/{__version__} (+https://github.com/medley-health/medley; ops@example.org)"
REQUESTS_PER_SECOND = 10
MAX_CONCURRENT = 20
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")
_RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
# Acuity sends no Retry-After (reference §14): its window is one second.
_THROTTLE_WAIT_SECONDS = 1.0
_MIN_WRITE_SECONDS = 2.0
_MAX_BODY_BYTES = 16 * 1024 * 1024

# One bound of requests in flight per upstream address, shared by every client of this process.
_in_flight: weakref.WeakValueDictionary[str, asyncio.Semaphore] = weakref.WeakValueDictionary()


def _semaphore(name: str, size: int) -> asyncio.Semaphore:
    found = _in_flight.get(name)
    if found is None:
        found = asyncio.Semaphore(size)
        _in_flight[name] = found
    return found


class AcuityClient:
    """Talks to one Acuity account (real Acuity or the Medley emulator)."""

    def __init__(
        self,
        user_id: str,
        api_key: str,
        *,
        settings: Settings,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        requests_per_second: int = REQUESTS_PER_SECOND,
        max_concurrent: int = MAX_CONCURRENT,
        rate_budget: RateBudget | None = None,
        max_rate_wait_seconds: float = 10.0,
        backoff_base_seconds: float = 0.2,
        backoff_cap_seconds: float = 2.0,
    ) -> None:
        user, key = user_id.strip(), api_key.strip()
        if not user or not key:
            raise ValueError("An Acuity user id and API key are required.")
        self._base = httpx.URL((base_url or DEFAULT_BASE_URL).rstrip("/"))
        if self._base.scheme not in ("http", "https") or not self._base.host:
            raise ValueError("The Acuity base URL must be an absolute http(s) URL.")
        self._base_path = self._base.path.rstrip("/")
        self._authorization = "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode("ascii")
        self._signing_key = key.encode()  # Acuity signs the webhooks of a key's own registrations with it
        self._deadline = settings.upstream_timeout_seconds
        self._http = httpx.AsyncClient(
            base_url=str(self._base) + "/",
            transport=transport,
            timeout=httpx.Timeout(
                settings.upstream_timeout_seconds, connect=min(5.0, settings.upstream_timeout_seconds)
            ),
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            follow_redirects=False,
        )
        # The limit is per source address: the budget is named after the API's address, not the account.
        where = f"acuity@{self._base.host}:{self._base.port or ''}{self._base_path}"
        shares = Shares(write=settings.budget_write_share, sync=settings.budget_sync_share)
        self._budget = rate_budget or build_rate_budget(
            where, redis_url=settings.redis_url, limit=requests_per_second, shares=shares, window_seconds=1.0
        )
        self.budget_name = budget_key(where)
        self._in_flight = _semaphore(self.budget_name, max(1, max_concurrent))
        self._max_retries = max(0, settings.upstream_max_retries)
        self._max_rate_wait = max_rate_wait_seconds
        self._backoff_base = backoff_base_seconds
        self._backoff_cap = backoff_cap_seconds

    @property
    def base_url(self) -> str:
        return str(self._base)

    def budget_usage(self) -> dict[str, int]:
        used = getattr(self._budget, "used", None)
        return dict(used()) if used is not None else {}

    def signed(self, body: bytes, signature: str) -> bool:
        """Whether ``signature`` is Acuity's for ``body``: base64 of HMAC-SHA256 of the raw bytes, keyed with this
        account's API key (reference §10.4), compared in constant time."""
        expected = base64.b64encode(hmac.new(self._signing_key, body, hashlib.sha256).digest())
        return hmac.compare_digest(expected, signature.strip().encode("ascii", "replace"))

    async def headroom(self) -> int:
        """How many requests the caller's lane could send now without waiting."""
        return await self._budget.headroom(current_lane.get())

    # ---- JSON API -------------------------------------------------------------------------------

    async def get(self, path: str, params: QueryParams | None = None) -> Json:
        return self._json(await self._api("GET", path, params=params), path)

    async def get_object(self, path: str, params: QueryParams | None = None) -> dict[str, Any]:
        body = await self.get(path, params)
        if not isinstance(body, dict):
            raise malformed(self._template(path), "a body that is not a JSON object")
        return body

    async def get_list(self, path: str, params: QueryParams | None = None) -> list[dict[str, Any]]:
        body = await self.get(path, params)
        if not isinstance(body, list):
            raise malformed(self._template(path), "a body that is not a JSON array")
        return [item for item in body if isinstance(item, dict)]

    async def post(self, path: str, body: Json, params: QueryParams | None = None) -> Json:
        return self._json(await self._api("POST", path, params=params, json_body=body), path)

    async def put(self, path: str, body: Json, params: QueryParams | None = None) -> Json:
        return self._json(await self._api("PUT", path, params=params, json_body=body), path)

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._budget.aclose()

    # ---- the request loop ------------------------------------------------------------------------

    async def _api(self, method: str, path: str, *, params: QueryParams | None = None, json_body: Json = None) -> Reply:
        async with stepping_aside():  # a gated read gives its place up while it waits for Acuity
            return await self._call(method, path, params=params, json_body=json_body)

    async def _call(self, method: str, path: str, *, params: QueryParams | None, json_body: Json) -> Reply:
        template = self._template(path)
        idempotent = method == "GET"
        headers = {"Authorization": self._authorization}
        if json_body is not None:
            headers["Content-Type"] = "application/json"
        rate_wait_left = self._max_rate_wait
        lane = current_lane.get()
        lane_label = str(lane) if lane is not None else "other"
        deadline = request_deadline.get()
        attempt = 0
        while True:
            rate_wait_left -= await self._budget.acquire(min(rate_wait_left, seconds_left(deadline)), lane)
            if not idempotent and seconds_left(deadline) < _MIN_WRITE_SECONDS:
                raise MedleyError(
                    ErrorCode.TIMEOUT, "The request's deadline passed before Acuity could be asked; nothing was sent."
                )
            request = self._http.build_request(
                method, path.lstrip("/"), params=list(params) if params else None, json=json_body, headers=headers
            )
            await take_connection(self._in_flight, deadline, upstream="Acuity")
            started = time.perf_counter()
            try:
                reply = await read_reply(
                    self._http,
                    request,
                    limit=min(self._deadline, seconds_left(deadline)),
                    max_body_bytes=_MAX_BODY_BYTES,
                    too_large=_too_large,
                )
            except httpx.TransportError as exc:
                UPSTREAM_CALLS.labels("acuity", lane_label, "0").inc()
                if not idempotent and not isinstance(exc, _NOT_SENT):
                    logger.warning("acuity %s %s -> %s (outcome unknown)", method, template, type(exc).__name__)
                    raise UnknownOutcome(
                        method, template, timed_out=isinstance(exc, httpx.TimeoutException), upstream_status=None
                    ) from exc
                if attempt < self._max_retries:
                    attempt += 1
                    await backoff(attempt, base=self._backoff_base, cap=self._backoff_cap)
                    continue
                logger.warning("acuity %s %s -> %s", method, template, type(exc).__name__)
                raise unreachable(template, exc) from exc
            finally:
                self._in_flight.release()
            elapsed = (time.perf_counter() - started) * 1000
            status = reply.status
            UPSTREAM_CALLS.labels("acuity", lane_label, str(status)).inc()
            if is_throttle(reply):
                # Not processed: any method may be sent again once the limit's second has passed.
                logger.info("acuity %s %s -> %s throttled in %.0f ms", method, template, status, elapsed)
                await self._budget.hold_until(time.time() + _THROTTLE_WAIT_SECONDS)
                if rate_wait_left < _THROTTLE_WAIT_SECONDS:
                    raise rate_limited(_THROTTLE_WAIT_SECONDS)
                continue
            if status in _RETRYABLE_STATUSES:
                if not idempotent:
                    logger.warning("acuity %s %s -> %s (outcome unknown)", method, template, status)
                    raise UnknownOutcome(method, template, timed_out=status == 504, upstream_status=status)
                if attempt < self._max_retries:
                    attempt += 1
                    await backoff(attempt, base=self._backoff_base, cap=self._backoff_cap)
                    continue
            level = logging.DEBUG if status < 400 else logging.INFO if status < 500 else logging.WARNING
            logger.log(level, "acuity %s %s -> %s in %.0f ms", method, template, status, elapsed)
            if not 200 <= status < 300:
                raise error_for_status(reply, template)
            return reply

    def _json(self, reply: Reply, path: str) -> Json:
        try:
            return json.loads(reply.text) if reply.body else None
        except ValueError as exc:
            raise malformed(self._template(path), "a body that is not JSON") from exc

    def _template(self, path: str) -> str:
        return _ID_SEGMENT.sub("/{id}", httpx.URL(path).path) or "/"


def _too_large() -> MedleyError:
    return MedleyError.emr_error("Acuity's answer is too large.", None, None)


def as_mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
