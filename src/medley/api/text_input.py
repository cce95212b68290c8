"""Client text that no EHR can store is refused at the edge: PostgreSQL (behind Cliniko, and behind the sandbox
when it runs on PostgreSQL) cannot hold U+0000 in a text column, so a NUL in a name or a search value would
otherwise fail upstream as a 5xx instead of the client's 400."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from medley.domain.errors import DetailCode, MedleyError

_NUL = "\x00"
_ESCAPED_NUL = b"\\u0000"


def _json_has_nul(payload: Any) -> bool:
    # Iterative: the body parsed, but a recursive walk on top of the current stack could still overflow it.
    pending = [payload]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _NUL in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


async def _body_has_nul(request: Request) -> bool:
    if "content-length" not in request.headers and "transfer-encoding" not in request.headers:
        return False  # no body (every GET): nothing to read, on the busiest path
    body = await request.body()
    # JSON carries U+0000 only escaped: the byte search is cheap, and the parse only confirms a hit (an escaped
    # backslash followed by "u0000" is no NUL).
    if _ESCAPED_NUL not in body:
        return False
    try:
        return _json_has_nul(json.loads(body))
    except (ValueError, RecursionError):
        return False  # not JSON: the body's own validation refuses it


def _nul_location(request: Request) -> str | None:
    query = request.scope.get("query_string", b"")
    if _NUL not in request.scope.get("path", "") and b"%00" not in query and b"\x00" not in query:
        return None  # the usual case, without parsing the query
    for name, value in request.path_params.items():
        if _NUL in str(value):
            return f"path.{name}"
    for name, value in request.query_params.multi_items():
        if _NUL in name or _NUL in value:
            return f"query.{name.replace(_NUL, '')}"
    return None


async def refuse_nul_characters(request: Request) -> None:
    """Called by the gateway's route class before its handler: a NUL anywhere in the path, the query or a JSON
    body is a 400 ``BAD_INPUT``."""
    where = _nul_location(request) or ("body" if await _body_has_nul(request) else None)
    if where is not None:
        raise MedleyError.bad_request("Text may not contain the NUL character (U+0000).", DetailCode.BAD_INPUT, where)
