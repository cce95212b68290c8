"""The key's owner and the account: ``GET /user``, ``GET /users/{id}``, ``GET /settings/public``."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from medley.sandbox.cliniko import serializers
from medley.sandbox.cliniko.account_settings import PUBLIC_SECTIONS, load_settings
from medley.sandbox.cliniko.deps import ReadSession, UrlsDep, key_user
from medley.sandbox.cliniko.listing import get_or_404, path_id
from medley.sandbox.cliniko.tables import User

router = APIRouter()


@router.get("/user")
async def current_user(session: ReadSession, urls: UrlsDep) -> Response:
    return JSONResponse(serializers.user(await key_user(session), urls))


@router.get("/users/{user_id}")
async def show_user(user_id: str, session: ReadSession, urls: UrlsDep) -> Response:
    return JSONResponse(serializers.user(await get_or_404(session, User, path_id(user_id)), urls))


@router.get("/settings/public")
async def public_settings(session: ReadSession) -> Response:
    settings = await load_settings(session)
    return JSONResponse({section: settings[section] for section in PUBLIC_SECTIONS})
