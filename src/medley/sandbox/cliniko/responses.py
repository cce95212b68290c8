"""The success answers of writes: 201 with the record and its ``Location``, or 204 with no body."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response


def created(record: dict[str, Any]) -> JSONResponse:
    return JSONResponse(record, status_code=201, headers={"Location": record["links"]["self"]})


def no_content() -> Response:
    return Response(status_code=204)
