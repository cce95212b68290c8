"""``/webhooks``: register (at most 25), list and remove dynamic webhook subscriptions."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from starlette.responses import JSONResponse, Response

from medley.sandbox.acuity.deps import ContextDep, ReadSession, WriteSession, read_json_object
from medley.sandbox.acuity.errors import bad_request, not_found
from medley.sandbox.acuity.tables import Webhook
from medley.sandbox.acuity.webhooks import EVENTS, MAX_WEBHOOKS

router = APIRouter()


def _render(row: Webhook) -> dict[str, Any]:
    return {"id": row.id, "event": row.event, "target": row.target, "status": row.status}


@router.get("/webhooks")
async def list_webhooks(session: ReadSession) -> JSONResponse:
    rows = await session.scalars(select(Webhook).order_by(Webhook.id))
    return JSONResponse([_render(row) for row in rows])


@router.post("/webhooks")
async def create_webhook(request: Request, session: WriteSession, context: ContextDep) -> JSONResponse:
    body = await read_json_object(request)
    event, target = body.get("event"), body.get("target")
    if event not in EVENTS:
        raise bad_request("invalid_event", f'The event "{event}" is invalid.')
    if not isinstance(target, str) or not _acceptable_target(target):
        raise bad_request("invalid_target", f'The target "{target}" is invalid: use an http(s) URL on port 80 or 443.')
    if ((await session.scalar(select(func.count(Webhook.id)))) or 0) >= MAX_WEBHOOKS:
        raise bad_request("too_many_webhooks", f"An account may have at most {MAX_WEBHOOKS} webhooks.")
    row = Webhook(event=event, target=target, status="active", created_at=context.now())
    session.add(row)
    await session.commit()
    return JSONResponse(_render(row))


def _acceptable_target(target: str) -> bool:
    """Acuity delivers to port 443 or 80 only; the emulator also accepts loopback ports for local tests."""
    parts = urlsplit(target)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return False
    try:
        port = parts.port
    except ValueError:
        return False
    local = parts.hostname in {"localhost", "127.0.0.1", "::1"} or parts.hostname.endswith(".internal")
    return port in {None, 80, 443} or local


@router.delete("/webhooks/{webhook_id}")
async def delete_webhook(webhook_id: str, session: WriteSession) -> Response:
    try:
        row = await session.get(Webhook, int(webhook_id))
    except ValueError:
        row = None
    if row is None:
        raise not_found()
    await session.delete(row)
    await session.commit()
    return Response(status_code=204)
