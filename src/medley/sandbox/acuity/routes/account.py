"""``GET /me``: the account, its business time zone and plan."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse

from medley.sandbox.acuity import serializers
from medley.sandbox.acuity.deps import ReadSession, load_account

router = APIRouter()


@router.get("/me")
async def me(session: ReadSession) -> JSONResponse:
    return JSONResponse(serializers.me(await load_account(session)))
