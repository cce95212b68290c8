"""Renders every failure as ``application/problem+json`` (DESIGN.md §2, Errors), in one place."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from medley.api.validation_messages import describe
from medley.domain.errors import DetailCode, ErrorCode, ErrorDetail, MedleyError

logger = logging.getLogger("medley.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
DOCS_BASE = "https://github.com/medley-health/medley/blob/main/docs/reference.md#"

TITLES: dict[ErrorCode, str] = {
    ErrorCode.BAD_REQUEST: "Request validation failed",
    ErrorCode.UNAUTHORIZED: "Unauthorized",
    ErrorCode.NOT_FOUND: "Not found",
    ErrorCode.CONFLICT: "Conflict",
    ErrorCode.UNPROCESSABLE: "Unprocessable request",
    ErrorCode.PAYLOAD_TOO_LARGE: "Payload too large",
    ErrorCode.RATE_LIMITED: "Too many requests",
    ErrorCode.EMR_ERROR: "Internal EMR error",
    ErrorCode.TIMEOUT: "EMR timeout",
    ErrorCode.SERVICE_UNAVAILABLE: "Service unavailable",
    ErrorCode.UNKNOWN_ERROR: "Unknown error",
}


class ProblemDetail(BaseModel):
    error_code: str = Field(description="Detailed code, e.g. NO_TIMESLOTS_AVAILABLE.")
    details: str
    emr_error: dict[str, Any] | None = Field(
        default=None, description="The upstream EHR's status and message, when the EHR refused."
    )
    path: str | None = Field(default=None, description="The offending input, e.g. body.start.")


class Problem(BaseModel):
    """RFC 9457 problem details, with the contract's ``code`` and detailed ``errors``."""

    code: str = Field(description="Top-level code: BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, CONFLICT, ...")
    type: str
    title: str
    status: int
    detail: str
    instance: str = Field(description="The request id; quote it when reporting a problem.")
    errors: list[ProblemDetail] = Field(default_factory=list)


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", "")) or "unknown"


def problem_response(request: Request, error: MedleyError) -> JSONResponse:
    status = error.status or 500
    body = Problem(
        code=error.code.value,
        type=DOCS_BASE + error.code.value.lower().replace("_", "-"),
        title=TITLES.get(error.code, error.code.value),
        status=status,
        detail=error.detail,
        instance=request_id_of(request),
        errors=[
            ProblemDetail(error_code=str(e.error_code), details=e.details, emr_error=e.emr_error, path=e.path)
            for e in error.errors
        ],
    )
    # Also set here, not only by the edge middleware: a 500 is rendered outside every middleware.
    headers = {"x-request-id": request_id_of(request), "Cache-Control": "no-store", **error.headers}
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE
    )


def _validation_error(exc: RequestValidationError, content_type: str = "") -> MedleyError:
    details: list[ErrorDetail] = []
    for err in exc.errors()[:20]:
        kind = str(err.get("type", ""))
        code = DetailCode.MISSING_REQUIRED_FIELD if kind == "missing" else DetailCode.BAD_INPUT
        if kind == "too_long":  # a list over its documented maximum (a string over it is "string_too_long")
            code = DetailCode.MAX_ITEMS_EXCEEDED
        # The offending value is never echoed back: it may be patient data.
        where, message = describe(err, content_type=content_type, document=exc.body)
        details.append(ErrorDetail(code, message, path=where))
    summary = "; ".join(d.details for d in details[:3]) or "Invalid request."
    return MedleyError(ErrorCode.BAD_REQUEST, summary, details)


_HTTP_CODES: dict[int, ErrorCode] = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    404: ErrorCode.NOT_FOUND,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    422: ErrorCode.UNPROCESSABLE,
    429: ErrorCode.RATE_LIMITED,
}


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> str:
    # Starlette's Allow names the first matching route's methods only; GET and PATCH may be two routes.
    routes = request.app.router.routes
    methods = [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]
    return ", ".join(methods) or "other methods"


def _no_such_route(request: Request, status: int) -> MedleyError:
    """Starlette's bare "Not Found" for a path no route serves (or a method it does not take), in words."""
    if status == 405:
        detail = f"{request.method} is not allowed on this path; it takes {_allowed_methods(request)}."
    else:
        detail = "No such path in this API: the paths are listed at /docs and in docs/reference.md."
    code = ErrorCode.NOT_FOUND if status == 404 else ErrorCode.BAD_REQUEST
    return MedleyError(code, detail, [ErrorDetail(DetailCode.NOT_SUPPORTED, detail)], status=status)


def install_problem_handlers(app: FastAPI) -> None:
    async def on_medley_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, MedleyError)
        return problem_response(request, exc)

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(request, _validation_error(exc, request.headers.get("content-type", "")))

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, ErrorCode.BAD_REQUEST)
        detail = str(exc.detail) if exc.detail else TITLES.get(code, "Error")
        error = MedleyError(code, detail, [], status=exc.status_code)
        if exc.status_code in (404, 405) and detail in ("Not Found", "Method Not Allowed"):
            error = _no_such_route(request, exc.status_code)
        if exc.headers:
            error.headers.update(exc.headers)
        return problem_response(request, error)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Only the type is logged: messages of arbitrary exceptions may carry patient data.
        logger.error(
            "unhandled %s on %s %s (request %s)",
            type(exc).__name__,
            request.method,
            request.scope.get("route").path if request.scope.get("route") else "?",  # type: ignore[union-attr]
            request_id_of(request),
        )
        error = MedleyError(ErrorCode.UNKNOWN_ERROR, "An unexpected error occurred. Quote the instance id.")
        return problem_response(request, error)

    app.add_exception_handler(MedleyError, on_medley_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": TITLES[code], "content": {PROBLEM_MEDIA_TYPE: {}}}
    for code, status in (
        (ErrorCode.BAD_REQUEST, 400),
        (ErrorCode.UNAUTHORIZED, 401),
        (ErrorCode.NOT_FOUND, 404),
        (ErrorCode.RATE_LIMITED, 429),
        (ErrorCode.EMR_ERROR, 502),
        (ErrorCode.TIMEOUT, 504),
    )
}


def problem_responses(*extra: int) -> dict[int | str, dict[str, Any]]:
    """The documented error responses of a route: the common ones plus ``extra`` statuses."""
    responses = dict(PROBLEM_RESPONSES)
    for status in extra:
        code = _HTTP_CODES.get(status, ErrorCode.CONFLICT)
        responses[status] = {
            "model": Problem,
            "description": TITLES[code],
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
    return responses


# What every write may also answer: 409 (a conflict, or the same Idempotency-Key still in progress) and
# 422 (an Idempotency-Key reused with another body).
WRITE_STATUSES = (409, 422)
