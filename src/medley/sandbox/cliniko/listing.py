"""Lists and shows the Cliniko way: search (``q[]``), hiding of archived/cancelled records, sort, pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from starlette.requests import Request
from starlette.responses import JSONResponse

from medley.sandbox.cliniko.bodies import parse_id
from medley.sandbox.cliniko.errors import RecordNotFound
from medley.sandbox.cliniko.filters import (
    FilterSpec,
    order_clauses,
    parse_conditions,
    raw_filters,
    where_clauses,
)
from medley.sandbox.cliniko.pagination import envelope, page_links, read_page_request
from medley.sandbox.cliniko.urls import Urls

Row = TypeVar("Row")
Render = Callable[[Sequence[Row]], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True, slots=True)
class Collection:
    """One kind of record as lists and shows see it.

    ``hidden`` names the fields (``archived_at``, ``cancelled_at``) whose non-null records are left out
    unless the request filters on that field, e.g. ``q[]=archived_at:*``.
    """

    plural: str
    filters: FilterSpec
    hidden: tuple[str, ...] = ()


def search_clauses(request: Request, collection: Collection) -> list[ColumnElement[bool]]:
    raws = raw_filters(request.query_params.multi_items())
    conditions = parse_conditions(raws, collection.filters)
    return where_clauses(conditions, collection.filters, collection.hidden)


async def list_response(
    request: Request,
    session: AsyncSession,
    urls: Urls,
    collection: Collection,
    statement: Select[Row],
    render: Render[Row],
) -> JSONResponse:
    page = read_page_request(request)
    filtered = statement.where(*search_clauses(request, collection))
    ordering = order_clauses(request.query_params.get("sort"), request.query_params.get("order"), collection.filters)
    total = await session.scalar(select(func.count()).select_from(filtered.order_by(None).subquery())) or 0
    rows = (await session.scalars(filtered.order_by(*ordering).limit(page.per_page).offset(page.offset))).all()
    items = await render(rows)
    return JSONResponse(envelope(collection.plural, items, total, page_links(request, urls, page, total)))


async def find_visible(request: Request, session: AsyncSession, collection: Collection, statement: Select[Row]) -> Row:
    """The record a show returns: 404 when it does not exist or is hidden (archived, cancelled)."""
    row = (await session.scalars(statement.where(*search_clauses(request, collection)).limit(1))).first()
    if row is None:
        raise RecordNotFound()
    return row


def path_id(raw: str) -> int:
    """An id from the path; anything that cannot be an id is a record that does not exist."""
    parsed = parse_id(raw)
    if parsed is None:
        raise RecordNotFound()
    return parsed


async def get_or_404(session: AsyncSession, model: type[Row], record_id: int) -> Row:
    """Any record by id, hidden or not (writes find archived and cancelled records too)."""
    row = await session.get(model, record_id)
    if row is None:
        raise RecordNotFound()
    return row


async def ensure_exists(session: AsyncSession, statement: Select[Any]) -> None:
    """404 unless ``statement`` finds a row (e.g. the visible parent of a nested list)."""
    if (await session.execute(statement.limit(1))).first() is None:
        raise RecordNotFound()


class _Archivable(Protocol):
    archived_at: Any
    updated_at: Any


async def archive_record(session: AsyncSession, model: type[Any], raw_id: str, now: datetime) -> None:
    """Cliniko's archive (and DELETE): set ``archived_at`` once; archiving again changes nothing."""
    row: _Archivable = await get_or_404(session, model, path_id(raw_id))
    if row.archived_at is None:
        row.archived_at = row.updated_at = now
        await session.commit()
