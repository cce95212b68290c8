"""The HTTP client for Cliniko's API v1: auth, shard, retries, rate budget, pagination, uploads.

One ``ClinikoClient`` per API key owns one ``httpx.AsyncClient``. It is the only place that knows
how Cliniko is spoken to; callers pass paths (``/patients/123``) and get JSON objects back.

Safety rules it keeps:

* The API key goes only to the API's own origin: a ``links.next`` or a redirect pointing anywhere
  else is refused (pagination) or followed without credentials (file downloads).
* Reads (GET) are retried, boundedly, with full-jitter backoff; a write whose outcome is unknown
  (timeout, dropped connection or 5xx after it was sent) is never retried but raised as
  ``UnknownOutcome`` for the caller to check. A 429 was not processed, so any method waits and
  retries, within a bounded total wait.
* Logs carry method, path template (ids replaced by ``{id}``), status and latency: never query
  strings, bodies, names or the key.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import json
import logging
import math
import re
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import httpx

from medley import __version__
from medley.config import Settings
from medley.connectors.admission import stepping_aside
from medley.connectors.cliniko.errors import (
    UnknownOutcome,
    error_for_status,
    malformed,
    unreachable,
    upload_error,
)
from medley.connectors.lanes import current_lane, request_deadline
from medley.connectors.rate_budget import (
    DEFAULT_REQUESTS_PER_MINUTE,
    RateBudget,
    Shares,
    budget_key,
    build_rate_budget,
    rate_limited,
)
from medley.connectors.upstream import Reply, backoff, read_reply, seconds_left, take_connection
from medley.domain.errors import ErrorCode, MedleyError
from medley.metrics import UPSTREAM_CALLS

logger = logging.getLogger("medley.connectors.cliniko")

JsonObject = dict[str, Any]
QueryParams = Sequence[tuple[str, str]]

DEFAULT_SHARD = "au1"
DEFAULT_USER_AGENT = f"Medley/{__version__} (+https://github.com/medley-health/medley; ops@example.org)"
PER_PAGE = 100

_SHARD_SUFFIX = re.compile(r"-([a-z]{2}\d{1,2})$", re.IGNORECASE)
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")
_RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
# Failures that happen before a single byte of the request left: retrying them is safe for any method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
_MAX_PAGES = 10_000
_MAX_REDIRECTS = 5
_MIN_429_WAIT_SECONDS = 0.5
_MIN_WRITE_SECONDS = 2.0
# A refused fan-out is retried once the budget's sliding window has moved on.
_WINDOW_FOR_RETRY = 60.0
# A page of 100 records is far below this; a patient attachment is at most 25 MB at Cliniko.
_DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024


def shard_of(api_key: str) -> str:
    """The shard named by the key's last ``-xx9`` segment; keys issued before sharding are ``au1``."""
    match = _SHARD_SUFFIX.search(api_key.strip())
    return match.group(1).lower() if match else DEFAULT_SHARD


def base_url_for(api_key: str) -> str:
    return f"https://api.{shard_of(api_key)}.cliniko.com/v1"


@dataclass(frozen=True, slots=True)
class Download:
    content: bytes
    content_type: str
    filename: str | None


class ClinikoClient:
    """Talks to one Cliniko account with one API key (real Cliniko or the Medley emulator)."""

    def __init__(
        self,
        api_key: str,
        *,
        settings: Settings,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        external_transport: httpx.AsyncBaseTransport | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        rate_budget: RateBudget | None = None,
        requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE,
        max_rate_wait_seconds: float = 10.0,
        backoff_base_seconds: float = 0.25,
        backoff_cap_seconds: float = 4.0,
        max_body_bytes: int = _DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        key = api_key.strip()
        if not key:
            raise ValueError("A Cliniko API key is required.")
        self._base = httpx.URL((base_url or base_url_for(key)).rstrip("/"))
        if self._base.scheme not in ("http", "https") or not self._base.host:
            raise ValueError("The Cliniko base URL must be an absolute http(s) URL.")
        self._base_path = self._base.path.rstrip("/")
        self._authorization = "Basic " + base64.b64encode(f"{key}:".encode()).decode("ascii")
        self._user_agent = user_agent
        timeout = httpx.Timeout(settings.upstream_timeout_seconds, connect=min(5.0, settings.upstream_timeout_seconds))
        # httpx times each phase; this bounds the whole exchange, and also holds for transports that apply no
        # timeouts of their own (the in-process sandbox's ASGI transport).
        self._deadline = settings.upstream_timeout_seconds
        self._timeout = timeout
        self._http = httpx.AsyncClient(
            base_url=str(self._base) + "/",
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            follow_redirects=False,
        )
        self._external_transport = external_transport
        self._external: httpx.AsyncClient | None = None
        shares = Shares(write=settings.budget_write_share, sync=settings.budget_sync_share)
        self._budget = rate_budget or build_rate_budget(
            key, redis_url=settings.redis_url, limit=requests_per_minute, shares=shares
        )
        self.budget_name = budget_key(key)
        self._in_flight = asyncio.Semaphore(max(1, settings.upstream_concurrency))
        self._max_retries = max(0, settings.upstream_max_retries)
        self._max_rate_wait = max_rate_wait_seconds
        self._backoff_base = backoff_base_seconds
        self._backoff_cap = backoff_cap_seconds
        self._max_body_bytes = max_body_bytes

    @property
    def base_url(self) -> str:
        return str(self._base)

    async def ensure_headroom(self, cost: int, what: str) -> None:
        """Refuse up front (429, nothing sent) a read whose ``cost`` in requests exceeds what its lane may send
        now: better than starting a fan-out that the budget would leave half-done."""
        room = await self._budget.headroom(current_lane.get())
        if cost > room:
            error = rate_limited(_WINDOW_FOR_RETRY)
            error.detail = (
                f"{what} needs {cost} requests to the EHR and only {room} are left in its request budget now; "
                f"narrow it (fewer days, a resource or a service) or retry after {error.headers['Retry-After']} s."
            )
            raise error

    def budget_usage(self) -> dict[str, int]:
        """Requests per lane in the budget's current window (as this process counts them)."""
        used = getattr(self._budget, "used", None)
        return dict(used()) if used is not None else {}

    # ---- JSON API -------------------------------------------------------------------------------

    async def get(self, path: str, params: QueryParams | None = None) -> JsonObject:
        reply = await self._api("GET", path, params=params)
        return self._object(reply, path)

    async def get_all(self, path: str, key: str, params: QueryParams | None = None) -> list[JsonObject]:
        """Every record of a list endpoint, following ``links.next`` to the last page."""
        return [item async for item in self.iter_all(path, key, params)]

    async def iter_all(self, path: str, key: str, params: QueryParams | None = None) -> AsyncIterator[JsonObject]:
        """Records of a list endpoint page by page (100 per page); stop early by breaking out."""
        query = list(params or [])
        if not any(name == "per_page" for name, _ in query):
            query.append(("per_page", str(PER_PAGE)))
        page = await self.get(path, query)
        seen: set[str] = set()
        for _ in range(_MAX_PAGES):
            items = page.get(key)
            if not isinstance(items, list):
                raise malformed(self._template(path), f"no '{key}' list")
            for item in items:
                if isinstance(item, dict):
                    yield item
            links = page.get("links")
            next_url = links.get("next") if isinstance(links, dict) else None
            if not next_url:
                return
            if not isinstance(next_url, str) or not self._is_api_url(next_url):
                # A next link elsewhere would carry our key to a stranger: refuse it.
                raise malformed(self._template(path), "a next-page link to another host")
            if next_url in seen:
                raise malformed(self._template(path), "a next-page link that loops")
            seen.add(next_url)
            page = await self.get(next_url)
        raise malformed(self._template(path), "too many pages")

    async def post(self, path: str, body: Mapping[str, Any]) -> JsonObject:
        reply = await self._api("POST", path, json_body=body)
        return self._object(reply, path)

    async def patch(self, path: str, body: Mapping[str, Any]) -> JsonObject | None:
        """PATCH; ``None`` for Cliniko's 204 answers (e.g. cancel)."""
        reply = await self._api("PATCH", path, json_body=body)
        return None if reply.status == 204 or not reply.body else self._object(reply, path)

    async def delete(self, path: str) -> None:
        await self._api("DELETE", path)

    # ---- files -----------------------------------------------------------------------------------

    async def upload_presigned(
        self, url: str, fields: Mapping[str, str], *, filename: str, content: bytes, content_type: str
    ) -> Reply:
        """Step 2 of Cliniko's attachment upload: the multipart POST to the presigned URL.

        No credentials go there. When the URL is on the API's own origin (the in-process sandbox) it
        goes through the same transport; anywhere else (S3) through a plain client. Re-posting the same
        temp object is harmless, so transport failures are retried like a read.
        """
        client = self._http if self._is_same_origin(url) else self._external_client()
        reply = await self._send(
            client,
            "POST",
            url,
            template="<presigned upload>",
            data=dict(fields),
            files={"file": (filename, content, content_type)},
            authorized=False,
            budgeted=False,
            idempotent=True,
        )
        if not 200 <= reply.status < 300:
            raise upload_error(reply)
        return reply

    async def download(self, url: str, *, max_bytes: int) -> Download:
        """GET a file, following redirects; credentials go only to the API's own origin."""
        current = url
        for _ in range(_MAX_REDIRECTS + 1):
            on_api = self._is_api_url(current)
            client = self._http if on_api or self._is_same_origin(current) else self._external_client()
            reply = await self._send(
                client,
                "GET",
                current,
                template=self._template(current) if on_api else "<file download>",
                authorized=on_api,
                budgeted=on_api,
                idempotent=True,
                accept="*/*",
                max_body_bytes=max_bytes,
            )
            if reply.status in (301, 302, 303, 307, 308) and "location" in reply.headers:
                current = str(httpx.URL(current).join(reply.headers["location"]))
                continue
            if reply.status != 200:
                raise error_for_status(reply, self._template(url))
            return Download(reply.body, reply.content_type or "application/octet-stream", _filename_of(reply))
        raise malformed(self._template(url), "too many redirects")

    async def aclose(self) -> None:
        await self._http.aclose()
        if self._external is not None:
            await self._external.aclose()
        await self._budget.aclose()

    # ---- the request loop ------------------------------------------------------------------------

    async def _api(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json_body: Mapping[str, Any] | None = None,
    ) -> Reply:
        if path.startswith(("http://", "https://")) and not self._is_api_url(path):
            raise malformed(self._template(path), "a link to another host")
        template = self._template(path)
        async with stepping_aside():  # a gated read gives its place up while it waits for Cliniko
            reply = await self._send(
                self._http,
                method,
                path,
                template=template,
                params=params,
                json_body=json_body,
                authorized=True,
                budgeted=True,
                idempotent=method == "GET",
            )
        if not 200 <= reply.status < 300:
            raise error_for_status(reply, template)
        return reply

    async def _send(
        self,
        client: httpx.AsyncClient,
        method: str,
        url: str,
        *,
        template: str,
        params: QueryParams | None = None,
        json_body: Mapping[str, Any] | None = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        authorized: bool,
        budgeted: bool,
        idempotent: bool,
        accept: str | None = None,
        max_body_bytes: int | None = None,
    ) -> Reply:
        headers: dict[str, str] = {}
        if authorized:
            headers["Authorization"] = self._authorization
        if accept is not None:
            headers["Accept"] = accept
        limit_bytes = max_body_bytes or self._max_body_bytes
        rate_wait_left = self._max_rate_wait
        lane = current_lane.get()
        lane_label = str(lane) if lane is not None else "other"
        deadline = request_deadline.get()
        attempt = 0
        while True:
            if budgeted:
                rate_wait_left -= await self._budget.acquire(min(rate_wait_left, seconds_left(deadline)), lane)
            request = client.build_request(
                method,
                url,
                params=list(params) if params is not None else None,
                json=json_body,
                data=data,
                files=files,
                headers=headers,
            )
            if not idempotent and seconds_left(deadline) < _MIN_WRITE_SECONDS:
                # Too little time left to hear the answer: a write is not started, rather than left unknown.
                raise MedleyError(
                    ErrorCode.TIMEOUT, "The request's deadline passed before the EHR could be asked; nothing was sent."
                )
            await take_connection(self._in_flight, deadline, upstream="the EHR")
            started = time.perf_counter()
            try:
                reply = await read_reply(
                    client,
                    request,
                    limit=min(self._deadline, seconds_left(deadline)),
                    max_body_bytes=limit_bytes,
                    too_large=lambda: _too_large(limit_bytes),
                )
            except httpx.TransportError as exc:
                UPSTREAM_CALLS.labels("cliniko", lane_label, "0").inc()
                elapsed = _ms(started)
                if not idempotent and not isinstance(exc, _NOT_SENT):
                    logger.warning(
                        "cliniko %s %s -> %s after %.0f ms (outcome unknown)",
                        method,
                        template,
                        type(exc).__name__,
                        elapsed,
                    )
                    raise UnknownOutcome(
                        method,
                        template,
                        timed_out=isinstance(exc, httpx.TimeoutException),
                        upstream_status=None,
                    ) from exc
                if attempt < self._max_retries:
                    logger.info(
                        "cliniko %s %s -> %s after %.0f ms (retrying)",
                        method,
                        template,
                        type(exc).__name__,
                        elapsed,
                    )
                    attempt += 1
                    await backoff(attempt, base=self._backoff_base, cap=self._backoff_cap)
                    continue
                logger.warning("cliniko %s %s -> %s after %.0f ms", method, template, type(exc).__name__, elapsed)
                raise unreachable(template, exc) from exc
            finally:
                self._in_flight.release()
            elapsed = _ms(started)
            status = reply.status
            UPSTREAM_CALLS.labels("cliniko", lane_label, str(status)).inc()
            if status == 429 and budgeted:
                wait = self._rate_limit_wait(reply)
                logger.info("cliniko %s %s -> 429 in %.0f ms (wait %.1f s)", method, template, elapsed, wait)
                await self._budget.hold_until(time.time() + wait)
                if wait > rate_wait_left:
                    raise rate_limited(wait)
                continue  # the budget now holds every request of this key until the reset
            if status in _RETRYABLE_STATUSES:
                if not idempotent:
                    logger.warning(
                        "cliniko %s %s -> %s in %.0f ms (outcome unknown)", method, template, status, elapsed
                    )
                    raise UnknownOutcome(method, template, timed_out=status == 504, upstream_status=status)
                if attempt < self._max_retries:
                    logger.info("cliniko %s %s -> %s in %.0f ms (retrying)", method, template, status, elapsed)
                    attempt += 1
                    await backoff(attempt, base=self._backoff_base, cap=self._backoff_cap)
                    continue
            level = logging.DEBUG if status < 400 else logging.INFO if status < 500 else logging.WARNING
            logger.log(level, "cliniko %s %s -> %s in %.0f ms", method, template, status, elapsed)
            return reply

    def _rate_limit_wait(self, reply: Reply) -> float:
        """Seconds until Cliniko's limit resets: ``X-RateLimit-Reset`` (epoch) or ``Retry-After``."""
        now = time.time()
        waits: list[float] = []
        reset = _number(reply.headers.get("x-ratelimit-reset"))
        if reset is not None:
            waits.append(reset - now)
        retry_after = reply.headers.get("retry-after")
        if retry_after:
            seconds = _number(retry_after)
            moment = _http_date(retry_after) if seconds is None else None
            if seconds is not None:
                waits.append(seconds)
            elif moment is not None:
                waits.append(moment - now)
        # The later of the two is the safe one; a reset in the past still earns a short pause.
        return max([_MIN_429_WAIT_SECONDS, *waits]) if waits else 1.0

    # ---- helpers ---------------------------------------------------------------------------------

    def _object(self, reply: Reply, path: str) -> JsonObject:
        try:
            body = json.loads(reply.text) if reply.body else None
        except ValueError as exc:
            raise malformed(self._template(path), "a body that is not JSON") from exc
        if not isinstance(body, dict):
            raise malformed(self._template(path), "a body that is not a JSON object")
        return body

    def _template(self, url: str) -> str:
        path = httpx.URL(url).path
        if path.startswith(self._base_path + "/"):
            path = path[len(self._base_path) :]
        return _ID_SEGMENT.sub("/{id}", path) or "/"

    def _origin(self, url: httpx.URL) -> tuple[str, str, int]:
        default = 443 if url.scheme == "https" else 80
        return (url.scheme, url.host.lower(), url.port or default)

    def _is_same_origin(self, url: str) -> bool:
        return self._origin(httpx.URL(url)) == self._origin(self._base)

    def _is_api_url(self, url: str) -> bool:
        """Same origin and under the API's base path: the only place the key may be sent."""
        parsed = httpx.URL(url)
        return self._is_same_origin(url) and (
            parsed.path == self._base_path or parsed.path.startswith(self._base_path + "/")
        )

    def _external_client(self) -> httpx.AsyncClient:
        if self._external is None:
            self._external = httpx.AsyncClient(
                transport=self._external_transport,
                timeout=self._timeout,
                headers={"User-Agent": self._user_agent},
                follow_redirects=False,
            )
        return self._external


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _too_large(limit: int) -> MedleyError:
    return MedleyError.emr_error(f"Cliniko's answer is larger than {limit} bytes.", None, None)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _http_date(value: str) -> float | None:
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


_FILENAME = re.compile(r"""filename\*?=(?:UTF-8'')?"?([^";]+)"?""", re.IGNORECASE)


def _filename_of(reply: Reply) -> str | None:
    disposition = reply.headers.get("content-disposition", "")
    match = _FILENAME.search(disposition)
    if not match:
        return None
    name = unquote(match.group(1)).strip()
    return name or None


__all__ = [
    "DEFAULT_USER_AGENT",
    "ClinikoClient",
    "Download",
    "JsonObject",
    "QueryParams",
    "base_url_for",
    "shard_of",
]
