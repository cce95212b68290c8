"""Typed dependencies: route signatures read as what they need (STYLE.md, FastAPI template).

Every dependency is ``async def``, even those that never wait: FastAPI runs a plain ``def`` dependency in a
thread pool, a thread hop per request that costs more than the dependency itself. The ones on every request
(authentication, the connector) take the ``Request`` itself rather than sub-dependencies: FastAPI's solving
costs more per dependency node than the work of either. The credential headers are therefore declared to
OpenAPI by ``SECURITY_SCHEMES`` below, not by ``Security`` parameters.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request

from medley.connectors.base import Connector, Operation
from medley.domain.errors import DetailCode
from medley.domain.ids import parse_plain_id
from medley.services.authentication import CLIENT_ID_HEADER, CLIENT_SECRET_HEADER, Caller, authenticate_caller
from medley.services.runtime import Runtime

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


async def authenticate(request: Request) -> Caller:
    """The calling application, from the two credential headers (once per request: kept on its state)."""
    known: Caller | None = getattr(request.state, "caller", None)
    if known is not None:
        return known
    caller = await authenticate_caller(
        request.app.state.runtime,
        request.headers.get(CLIENT_ID_HEADER),
        request.headers.get(CLIENT_SECRET_HEADER),
        request.client.host if request.client else "unknown",
    )
    request.state.application_id = caller.application.id
    request.state.caller = caller
    return caller


CallerDep = Annotated[Caller, Depends(authenticate)]

_OPERATIONS = frozenset(str(o) for o in Operation)

EmrPath = Annotated[str, Path(description="The EHR's connector code, e.g. `cliniko`.", max_length=32)]
CareUnitPath = Annotated[
    str, Path(description="A care unit id from `GET /api/emrs/{emr}/care-units`.", max_length=80)
]


async def get_connector(request: Request, emr: EmrPath) -> Connector:
    """The application's connector for ``emr``; an operation its capability matrix lacks is refused here, before
    any upstream call (``GatewayRoute`` names each route's operation). It authenticates itself rather than
    through a ``CallerDep`` node: on the read path FastAPI's cost per node is more than the work."""
    caller = await authenticate(request)
    runtime: Runtime = request.app.state.runtime
    connector = await runtime.connectors.connector_for(caller.application.id, caller.client_secret, emr)
    operation = getattr(request.scope.get("route"), "operation", None)
    if operation in _OPERATIONS:
        connector.capabilities().require(Operation(operation))
    return connector


ConnectorDep = Annotated[Connector, Depends(get_connector)]


async def care_unit_id_of(care_unit_id: CareUnitPath) -> str:
    return parse_plain_id(care_unit_id, invalid_code=DetailCode.INVALID_CARE_UNIT_ID, field="care_unit_id")


CareUnitId = Annotated[str, Depends(care_unit_id_of)]
