"""``/clients``: search and create; update and delete by name (and phone), as Acuity keys them.

Acuity clients have no id in the API. ``search`` matches, case-insensitively, a part of the first name,
last name, full name, e-mail or phone.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import QueryParams
from starlette.responses import JSONResponse, Response

from medley.sandbox.acuity import serializers
from medley.sandbox.acuity.booking import check_email, text_field
from medley.sandbox.acuity.deps import ContextDep, ReadSession, WriteSession, read_json_object
from medley.sandbox.acuity.errors import bad_request
from medley.sandbox.acuity.tables import Client

router = APIRouter()


@router.get("/clients")
async def list_clients(request: Request, session: ReadSession) -> JSONResponse:
    statement = select(Client).order_by(Client.last_name, Client.first_name, Client.id)
    search = (request.query_params.get("search") or "").strip().lower()
    if search:
        pattern = f"%{_escaped(search)}%"
        full_name = func.lower(Client.first_name + " " + Client.last_name)
        statement = statement.where(
            or_(
                *(func.lower(column).like(pattern, escape="\\") for column in (Client.first_name, Client.last_name)),
                full_name.like(pattern, escape="\\"),
                func.lower(Client.email).like(pattern, escape="\\"),
                Client.phone.like(pattern, escape="\\"),
            )
        )
    return JSONResponse([serializers.client(row) for row in await session.scalars(statement)])


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@router.post("/clients")
async def create_client(request: Request, session: WriteSession, context: ContextDep) -> JSONResponse:
    body = await read_json_object(request)
    first_name, last_name = text_field(body, "firstName"), text_field(body, "lastName")
    if not first_name:
        raise bad_request("required_first_name", 'Attribute "firstName" is required.')
    if not last_name:
        raise bad_request("required_last_name", 'Attribute "lastName" is required.')
    email = text_field(body, "email")
    check_email(email)
    row = Client(
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=text_field(body, "phone"),
        notes=text_field(body, "notes"),
        created_at=context.now(),
    )
    session.add(row)
    await session.commit()
    return JSONResponse(serializers.client(row))


@router.put("/clients")
async def update_client(request: Request, session: WriteSession) -> JSONResponse:
    """The client named by ``firstName``/``lastName`` (and ``phone``) in the query; the body holds changes."""
    row = await _named_client(session, request.query_params)
    body = await read_json_object(request)
    for attribute, name in (("first_name", "firstName"), ("last_name", "lastName")):
        if name in body:
            value = text_field(body, name)
            if not value:
                raise bad_request(f"required_{attribute}", f'Attribute "{name}" is required.')
            setattr(row, attribute, value)
    if "email" in body:
        row.email = text_field(body, "email")
        check_email(row.email)
    for attribute in ("phone", "notes"):
        if attribute in body:
            setattr(row, attribute, text_field(body, attribute))
    await session.commit()
    return JSONResponse(serializers.client(row))


@router.delete("/clients")
async def delete_client(request: Request, session: WriteSession) -> Response:
    row = await _named_client(session, request.query_params)
    await session.delete(row)
    await session.commit()
    return Response(status_code=204)


async def _named_client(session: AsyncSession, query: QueryParams) -> Client:
    first_name = (query.get("firstName") or "").strip()
    last_name = (query.get("lastName") or "").strip()
    statement: Select[Client] = select(Client).where(
        func.lower(Client.first_name) == first_name.lower(), func.lower(Client.last_name) == last_name.lower()
    )
    phone = query.get("phone")
    if phone:
        statement = statement.where(Client.phone == phone.strip())
    row = await session.scalar(statement.order_by(Client.id).limit(1))
    if row is None or not first_name or not last_name:
        raise bad_request("not_found", "Client does not exist.")
    return row
