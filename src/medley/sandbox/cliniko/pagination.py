"""Cliniko's list envelope: ``page``/``per_page`` in, ``total_entries`` and ``links`` out.

``page`` is 1-based; ``per_page`` defaults to 50 and a value above 100 is clamped to 100. Values that
are not positive integers are refused with 400. ``links.self`` is always there, ``next`` and
``previous`` only when such a page exists; every link keeps the request's other query parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from medley.sandbox.cliniko.errors import BadRequest
from medley.sandbox.cliniko.urls import Urls, route_path

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def read_page_request(request: Request) -> PageRequest:
    page = _positive(request.query_params.get("page"), "page", default=1)
    per_page = _positive(request.query_params.get("per_page"), "per_page", default=DEFAULT_PER_PAGE)
    return PageRequest(page=page, per_page=min(per_page, MAX_PER_PAGE))


def _positive(raw: str | None, name: str, *, default: int) -> int:
    if raw is None:
        return default
    text = raw.strip()
    if not text.isdigit() or int(text) < 1:
        raise BadRequest(f"Invalid {name}: must be a positive integer")
    return int(text)


def page_links(request: Request, urls: Urls, page: PageRequest, total: int) -> dict[str, str]:
    links = {"self": _page_url(request, urls, page.page, page.per_page)}
    if page.page * page.per_page < total:
        links["next"] = _page_url(request, urls, page.page + 1, page.per_page)
    if page.page > 1:
        links["previous"] = _page_url(request, urls, page.page - 1, page.per_page)
    return links


def _page_url(request: Request, urls: Urls, page: int, per_page: int) -> str:
    kept = [(key, value) for key, value in request.query_params.multi_items() if key not in {"page", "per_page"}]
    query = urlencode([*kept, ("page", str(page)), ("per_page", str(per_page))])
    return f"{urls.root}{route_path(request)}?{query}"


def envelope(plural: str, items: Sequence[dict[str, Any]], total: int, links: dict[str, str]) -> dict[str, Any]:
    return {plural: list(items), "total_entries": total, "links": links}
