"""Which EHR connectors exist, what each can do, and how to build one from stored credentials.

Credentials per EHR:

* ``cliniko``: ``{"api_key": "<key>-<shard>"}``; the shard suffix picks the API host
  (``https://api.<shard>.cliniko.com/v1``) unless ``base_url`` overrides it (the sandbox, tests).

The client-side request budget per key is ``Settings.upstream_requests_per_minute`` (Cliniko's 200 per
minute); for the in-process sandbox (a
``transport`` is given) it is the sandbox's own limit, ``Settings.sandbox_rate_limit_per_minute``.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from medley.config import Settings
from medley.connectors.base import Capabilities, Connector
from medley.connectors.cliniko.client import DEFAULT_USER_AGENT, ClinikoClient
from medley.connectors.cliniko.connector import CODE as CLINIKO
from medley.connectors.cliniko.connector import ClinikoConnector, cliniko_capabilities
from medley.domain.errors import DetailCode, MedleyError

_KNOWN = (CLINIKO,)
NO_BUDGET_PER_MINUTE = 10**9


def known_emrs() -> list[str]:
    return list(_KNOWN)


def capabilities_of(emr: str, settings: Settings) -> Capabilities:
    _require_known(emr)
    return cliniko_capabilities(settings)


def build_connector(
    emr: str,
    credentials: Mapping[str, str],
    *,
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None = None,
    base_url: str | None = None,
) -> Connector:
    """A live connector for one account; the caller owns it and must ``aclose()`` it."""
    _require_known(emr)
    api_key = (credentials.get("api_key") or "").strip()
    if not api_key:
        raise MedleyError.bad_request(
            "Cliniko credentials need an 'api_key'.", DetailCode.MISSING_REQUIRED_FIELD, path="api_key"
        )
    limit = settings.sandbox_rate_limit_per_minute if transport is not None else settings.upstream_requests_per_minute
    if limit <= 0:  # the sandbox's limit turned off: no client-side budget either
        limit = NO_BUDGET_PER_MINUTE
    client = ClinikoClient(
        api_key,
        settings=settings,
        base_url=base_url,
        transport=transport,
        requests_per_minute=limit,
        user_agent=settings.upstream_user_agent or DEFAULT_USER_AGENT,
    )
    return ClinikoConnector(client, settings=settings)


def _require_known(emr: str) -> None:
    if emr not in _KNOWN:
        raise MedleyError.not_found(f"Unknown EMR '{emr[:32]}'.", DetailCode.INVALID_EMR)
