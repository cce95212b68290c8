"""Acuity's error answers: always ``{"status_code": <int>, "message": <string>, "error": <code>}``.

Routes raise `AcuityError` (or call one of the helpers); unknown paths, wrong verbs and unreadable
parameters are rendered here in the same shape, never as FastAPI's defaults.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from medley.sandbox.asgi import route_path

API_PREFIX = "/api/v1"

# Acuity names a route in its 404 message ("Did you mean `/appointments/{id:number}`?"): one per resource.
_ROUTE_HINTS = {
    "appointments": "/appointments/{id:number}",
    "appointment-types": "/appointment-types",
    "availability": "/availability/times",
    "blocks": "/blocks/{id:number}",
    "calendars": "/calendars",
    "clients": "/clients",
    "me": "/me",
    "webhooks": "/webhooks/{id:number}",
}


class AcuityError(Exception):
    """An answer the emulator gives on purpose, in Acuity's error shape."""

    def __init__(self, status_code: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error = error
        self.message = message

    def response(self) -> Response:
        return error_response(self.status_code, self.error, self.message)


def error_response(status_code: int, error: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"status_code": status_code, "message": message, "error": error}
    return JSONResponse(body, status_code=status_code, headers=headers)


def bad_request(error: str, message: str) -> AcuityError:
    return AcuityError(400, error, message)


def not_found() -> AcuityError:
    return AcuityError(404, "not_found", "Not Found")


def expected_json_object() -> AcuityError:
    return bad_request("bad_request", "Expected a JSON object.")


def unauthorized() -> Response:
    return error_response(401, "unauthorized", "Unauthorized")


def route_not_found(path: str) -> Response:
    below = path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else path
    hint = _ROUTE_HINTS.get(below.strip("/").split("/", 1)[0])
    message = f"Not Found. Did you mean `{hint}`?" if hint else "Not Found"
    return error_response(404, "not_found", message)


async def _render_acuity_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, AcuityError)
    return error.response()


async def _render_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 404:
        return route_not_found(route_path(request.scope))
    if error.status_code == 405:
        return error_response(405, "method_not_allowed", "Method Not Allowed")
    return error_response(error.status_code, "bad_request", str(error.detail))


async def _render_validation_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    first = error.errors()[0] if error.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ())[1:]) or "request"
    return error_response(400, "bad_request", f'Invalid parameter "{where}".')


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AcuityError, _render_acuity_error)
    app.add_exception_handler(StarletteHTTPException, _render_http_error)
    app.add_exception_handler(RequestValidationError, _render_validation_error)
