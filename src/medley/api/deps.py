"""Typed dependencies: route signatures read as what they need (STYLE.md, FastAPI template).

Every dependency is ``async def``, even those that never wait: FastAPI runs a plain ``def`` dependency in a
thread pool, a thread hop per request that costs more than the dependency itself. The ones on every request
(authentication, the connector) take the ``Request`` itself rather than sub-dependencies: FastAPI's solving
costs more per dependency node than the work of either. The credential headers are therefore declared to
OpenAPI by ``openapi_security`` below, not by ``Security`` parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Request

from medley.api.ids import parse_plain_id
from medley.api.runtime import Runtime
from medley.connectors.base import Connector, Operation
from medley.domain.errors import DetailCode, ErrorCode, ErrorDetail, MedleyError
from medley.store.applications import Application
from medley.store.auth_throttle import AuthenticationBusy, TooManyAttempts

CLIENT_ID_HEADER = "x-leyr-client-id"
CLIENT_SECRET_HEADER = "x-leyr-client-secret"  # noqa: S105 - a header name, not a secret

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "ClientId": {
        "type": "apiKey",
        "in": "header",
        "name": CLIENT_ID_HEADER,
        "description": "Your application's client id.",
    },
    "ClientSecret": {
        "type": "apiKey",
        "in": "header",
        "name": CLIENT_SECRET_HEADER,
        "description": "Your application's client secret (also its encryption key).",
    },
}
SECURITY_REQUIREMENT: list[dict[str, list[str]]] = [{name: [] for name in SECURITY_SCHEMES}]
"""Both headers together: one requirement."""


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


@dataclass(frozen=True, slots=True)
class Caller:
    application: Application
    client_secret: str


def _unauthorized(detail: str) -> MedleyError:
    return MedleyError(
        ErrorCode.UNAUTHORIZED,
        detail,
        [ErrorDetail("UNAUTHORIZED", detail)],
        headers={"WWW-Authenticate": f'ApiKey header="{CLIENT_ID_HEADER}"'},
    )


async def authenticate(request: Request) -> Caller:
    """The calling application, from the two credential headers."""
    runtime: Runtime = request.app.state.runtime
    client_id = request.headers.get(CLIENT_ID_HEADER)
    client_secret = request.headers.get(CLIENT_SECRET_HEADER)
    if not client_id or not client_secret:
        raise _unauthorized(f"Send both '{CLIENT_ID_HEADER}' and '{CLIENT_SECRET_HEADER}' headers.")
    if len(client_id) > 128 or len(client_secret) > 256:
        raise _unauthorized("Application with the provided client ID was not found.")
    source = request.client.host if request.client else "unknown"
    try:
        application = await runtime.authenticator.authenticate(client_id, client_secret, source)
    except TooManyAttempts as exc:
        raise MedleyError(
            ErrorCode.RATE_LIMITED,
            "Too many failed authentication attempts; try again later.",
            [],
            headers={"Retry-After": str(max(1, int(exc.retry_after)))},
        ) from None
    except AuthenticationBusy as exc:
        detail = "Too many client secrets are being verified at this moment; retry in a second."
        raise MedleyError(
            ErrorCode.SERVICE_UNAVAILABLE,
            detail,
            [ErrorDetail(DetailCode.AUTHENTICATION_BUSY, detail)],
            headers={"Retry-After": str(max(1, round(exc.retry_after)))},
        ) from None
    if application is None:
        raise _unauthorized("Application with the provided client ID was not found, or the secret is wrong.")
    request.state.application_id = application.id
    return Caller(application, client_secret)


CallerDep = Annotated[Caller, Depends(authenticate)]

_OPERATIONS = frozenset(str(o) for o in Operation)

EmrPath = Annotated[str, Path(description="The EHR's connector code, e.g. `cliniko`.", max_length=32)]
CareUnitPath = Annotated[
    str, Path(description="A care unit id from `GET /api/emrs/{emr}/care-units`.", max_length=80)
]


async def get_connector(request: Request, caller: CallerDep, emr: EmrPath) -> Connector:
    """The application's connector for ``emr``; an operation its capability matrix lacks is refused here, before
    any upstream call (``GatewayRoute`` names each route's operation)."""
    runtime: Runtime = request.app.state.runtime
    connector = await runtime.connectors.connector_for(caller.application.id, caller.client_secret, emr)
    operation = getattr(request.scope.get("route"), "operation", None)
    capabilities = connector.capabilities()
    if operation in _OPERATIONS and operation not in capabilities.operations:
        detail = (
            f"{capabilities.name} does not support '{operation}': see its capabilities in GET /api/emrs."
        )
        raise MedleyError.not_supported(detail)
    return connector


ConnectorDep = Annotated[Connector, Depends(get_connector)]


async def care_unit_id_of(care_unit_id: CareUnitPath) -> str:
    return parse_plain_id(care_unit_id, invalid_code=DetailCode.INVALID_CARE_UNIT_ID, field="care_unit_id")


CareUnitId = Annotated[str, Depends(care_unit_id_of)]
