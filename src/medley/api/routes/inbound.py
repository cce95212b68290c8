"""``POST /api/inbound/{emr}/{token}``: where an EHR's own webhooks reach us (``services/inbound.py``).

Not a client route: it takes no client credentials and is left out of the OpenAPI document. The EHR's
signature is the only thing it believes; anything unsigned, wrongly signed or for an unknown token is 401
``UNAUTHORIZED`` (problem+json) and changes nothing. A verified call answers 204 once applied, or 202 when
the EHR could not be read back at once (the next sync sees the change).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from medley.api.deps import RuntimeDep
from medley.services.inbound import Outcome, refused

router = APIRouter(prefix="/api/inbound", include_in_schema=False)


@router.post("/{emr}/{token}", name="inbound.receive")
async def receive(
    emr: Annotated[str, Path(max_length=32)],
    token: Annotated[str, Path(max_length=64)],
    request: Request,
    runtime: RuntimeDep,
) -> Response:
    if runtime.inbound is None:
        raise refused()
    outcome = await runtime.inbound.receive(emr, token, await request.body(), request.headers)
    return Response(status_code=204 if outcome is Outcome.applied else 202)
