"""Cliniko-shaped error answers, raised as exceptions by the routes and rendered in one place.

* 404 for a record that is missing, or hidden because archived or cancelled:
  ``{"status": "404", "error": "Not Found"}``
* 404 for an unknown route or a wrong method: Rails' HTML page, not JSON
* 400: ``{"message": "..."}``; 422: ``{"message": "Validation Failed", "errors": {field: "one string"}}``
  or, for a body of the wrong JSON shape, ``{"message": "must be an object"}`` with no ``errors``
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response

CANT_BE_BLANK = "can’t be blank"  # typographic apostrophe, as Cliniko sends it
IS_INVALID = "is invalid"
MUST_EXIST = "must exist"
NOT_IN_LIST = "is not included in the list"


def too_long(maximum: int) -> str:
    return f"is too long (maximum is {maximum} characters)"


class ClinikoError(Exception):
    """An answer the emulator gives on purpose; ``response()`` renders it as Cliniko would."""

    status_code = 500

    def response(self) -> Response:
        return JSONResponse({"status": str(self.status_code), "error": "Internal Server Error"}, 500)


class RecordNotFound(ClinikoError):
    status_code = 404

    def response(self) -> Response:
        return JSONResponse({"status": "404", "error": "Not Found"}, status_code=404)


class BadRequest(ClinikoError):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def response(self) -> Response:
        return JSONResponse({"message": self.message}, status_code=self.status_code)


class InvalidSearch(BadRequest):
    """A ``q[]`` filter or ``sort`` the endpoint does not support or cannot parse."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Invalid search: {reason}")


class Forbidden(BadRequest):
    status_code = 403


class NullCharacter(BadRequest):
    """Text holding a NUL character: PostgreSQL cannot store it, so it is refused before any query."""

    def __init__(self, where: str) -> None:
        super().__init__(f"The {where} contains a null character (\\u0000), which cannot be stored.")


class MustBeAnObject(BadRequest):
    """A JSON value of the wrong shape (e.g. a string where an object belongs): 422, no ``errors``."""

    status_code = 422

    def __init__(self, where: str = "") -> None:
        super().__init__(f"{where} must be an object" if where else "must be an object")


class SchemaInvalid(BadRequest):
    """Structured content (treatment note ``content``) that breaks its schema: 422, message only."""

    status_code = 422


class ValidationFailed(ClinikoError):
    status_code = 422

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(", ".join(f"{field} {message}" for field, message in errors.items()))
        self.errors = dict(errors)

    def response(self) -> Response:
        return JSONResponse({"message": "Validation Failed", "errors": self.errors}, status_code=422)

    @classmethod
    def base(cls, message: str) -> ValidationFailed:
        return cls({"base": message})


_NOT_FOUND_PAGE = """<!DOCTYPE html>
<html>
<head>
  <title>The page you’re looking for doesn’t exist (404)</title>
  <meta name="viewport" content="width=device-width,initial-scale=1">
</head>
<body>
  <h1>The page you’re looking for doesn’t exist.</h1>
  <p>You may have mistyped the address or the page may have moved.</p>
</body>
</html>
"""


def route_not_found() -> Response:
    return HTMLResponse(_NOT_FOUND_PAGE, status_code=404)


async def _render_cliniko_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, ClinikoError)
    return error.response()


async def _render_http_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    # Rails answers an unknown route and a known route with the wrong verb alike: the HTML 404 page.
    if error.status_code in {404, 405}:
        return route_not_found()
    return JSONResponse({"message": str(error.detail)}, status_code=error.status_code)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ClinikoError, _render_cliniko_error)
    app.add_exception_handler(StarletteHTTPException, _render_http_error)
