"""Which EHR connectors exist, what each can do, and how to build one from stored credentials.

Credentials per EHR:

* ``cliniko``: ``{"api_key": "<key>-<shard>"}``; the shard suffix picks the API host
  (``https://api.<shard>.cliniko.com/v1``) unless ``base_url`` overrides it (the sandbox, tests).
* ``acuity``: ``{"user_id": "<numeric User ID>", "api_key": "<API Key>"}`` (Basic auth) at
  ``https://acuityscheduling.com/api/v1`` unless ``base_url`` overrides it. Its budget is 10 requests per
  second and 20 at once per upstream address (``acuity/client.py``); the in-process sandbox uses
  ``Settings.sandbox_acuity_rate_limit_per_second`` and ``sandbox_acuity_max_concurrent`` (0: no limit).

The client-side request budget per key is ``Settings.upstream_requests_per_minute`` (Cliniko's 200 per
minute); for the in-process sandbox (a ``transport`` is given) it is the sandbox's own limit,
``Settings.sandbox_rate_limit_per_minute``. A limit of 0 means no limit: requests are not counted, though a
429 still holds them until its reset.

With ``Settings.redis_url`` the connector's slot and reference caches live in Redis, shared by every
replica, under ``cache_namespace``: a hash of the account (API key and API address), never the key. The
in-process sandbox shares them only when its database is shared too (``Settings.sandbox_database_url``):
otherwise each replica's sandbox holds its own practice, and so keeps its own caches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import httpx

from medley.config import Settings
from medley.connectors.acuity.client import MAX_CONCURRENT, REQUESTS_PER_SECOND, AcuityClient
from medley.connectors.acuity.connector import CODE as ACUITY
from medley.connectors.acuity.connector import AcuityConnector, acuity_capabilities
from medley.connectors.base import Capabilities, Connector
from medley.connectors.cliniko.client import DEFAULT_USER_AGENT, ClinikoClient
from medley.connectors.cliniko.connector import CODE as CLINIKO
from medley.connectors.cliniko.connector import ClinikoConnector, cliniko_capabilities
from medley.connectors.sync_source import MirrorLink
from medley.domain.errors import DetailCode, MedleyError

_CAPABILITIES = {CLINIKO: cliniko_capabilities, ACUITY: acuity_capabilities}
_KNOWN = tuple(_CAPABILITIES)


def known_emrs() -> list[str]:
    return list(_KNOWN)


def capabilities_of(emr: str, settings: Settings) -> Capabilities:
    _require_known(emr)
    return _CAPABILITIES[emr](settings)


def build_connector(
    emr: str,
    credentials: Mapping[str, str],
    *,
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None = None,
    base_url: str | None = None,
    mirror: MirrorLink | None = None,
) -> Connector:
    """A live connector for one account; the caller owns it and must ``aclose()`` it."""
    _require_known(emr)
    if emr == ACUITY:
        return _build_acuity(credentials, settings=settings, transport=transport, base_url=base_url, mirror=mirror)
    api_key = (credentials.get("api_key") or "").strip()
    if not api_key:
        raise MedleyError.bad_request(
            "Cliniko credentials need an 'api_key'.", DetailCode.MISSING_REQUIRED_FIELD, path="api_key"
        )
    limit = settings.sandbox_rate_limit_per_minute if transport is not None else settings.upstream_requests_per_minute
    client = ClinikoClient(
        api_key,
        settings=settings,
        base_url=base_url,
        transport=transport,
        requests_per_minute=limit,
        user_agent=settings.upstream_user_agent or DEFAULT_USER_AGENT,
    )
    where = client.base_url if transport is None else settings.sandbox_database_url
    namespace = cache_namespace(api_key, where) if settings.redis_url and where else None
    return ClinikoConnector(client, settings=settings, cache_namespace=namespace, mirror=mirror)


def _build_acuity(
    credentials: Mapping[str, str],
    *,
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None,
    base_url: str | None,
    mirror: MirrorLink | None,
) -> Connector:
    fields = {name: (credentials.get(name) or "").strip() for name in ("user_id", "api_key")}
    missing = next((name for name, value in fields.items() if not value), None)
    if missing is not None:
        raise MedleyError.bad_request(
            f"Acuity credentials need a '{missing}' (Acuity → Integrations → API: the User ID and the API Key).",
            DetailCode.MISSING_REQUIRED_FIELD,
            path=missing,
        )
    sandboxed = transport is not None
    client = AcuityClient(
        fields["user_id"],
        fields["api_key"],
        settings=settings,
        base_url=base_url,
        transport=transport,
        user_agent=settings.upstream_user_agent or DEFAULT_USER_AGENT,
        requests_per_second=settings.sandbox_acuity_rate_limit_per_second if sandboxed else REQUESTS_PER_SECOND,
        max_concurrent=(settings.sandbox_acuity_max_concurrent or 10_000) if sandboxed else MAX_CONCURRENT,
    )
    return AcuityConnector(client, settings=settings, mirror=mirror)


def cache_namespace(api_key: str, where: str) -> str:
    """``medley:cliniko:<24 hex>``: the Redis prefix of one Cliniko account's shared caches (the key is
    hashed with the address it is used at, so that one key against two EHRs, e.g. two emulators, never
    mixes their data)."""
    digest = hashlib.sha256(f"{where}\n{api_key}".encode()).hexdigest()[:24]
    return f"medley:cliniko:{digest}"


def _require_known(emr: str) -> None:
    if emr not in _KNOWN:
        raise MedleyError.not_found(f"Unknown EMR '{emr[:32]}'.", DetailCode.INVALID_EMR)
