"""Who is calling: an application, from its client id and secret, for every edge (the REST API, the MCP server).

The header names are those of the public API we stay compatible with; the secret is verified by the store's
``Authenticator`` (a slow hash, remembered briefly under a keyed digest) and is also the key that opens the
application's EHR credentials, so the caller carries it on.
"""

from __future__ import annotations

from dataclasses import dataclass

from medley.domain.errors import DetailCode, ErrorCode, ErrorDetail, MedleyError
from medley.services.runtime import Runtime
from medley.store.applications import Application
from medley.store.auth_throttle import AuthenticationBusy, TooManyAttempts

CLIENT_ID_HEADER = "x-leyr-client-id"
CLIENT_SECRET_HEADER = "x-leyr-client-secret"  # noqa: S105 - a header name, not a secret


@dataclass(frozen=True, slots=True)
class Caller:
    application: Application
    client_secret: str


def _unauthorized(detail: str) -> MedleyError:
    return MedleyError(
        ErrorCode.UNAUTHORIZED,
        detail,
        [ErrorDetail("UNAUTHORIZED", detail)],
        headers={"WWW-Authenticate": f'ApiKey header="{CLIENT_ID_HEADER}"'},
    )


async def authenticate_caller(
    runtime: Runtime, client_id: str | None, client_secret: str | None, source: str
) -> Caller:
    """The calling application; a ``MedleyError`` (401, 429 or 503) otherwise. ``source`` is the client's
    address, for the throttle on failed attempts."""
    if not client_id or not client_secret:
        raise _unauthorized(f"Send both '{CLIENT_ID_HEADER}' and '{CLIENT_SECRET_HEADER}' headers.")
    if len(client_id) > 128 or len(client_secret) > 256:
        raise _unauthorized("Application with the provided client ID was not found.")
    try:
        application = await runtime.authenticator.authenticate(client_id, client_secret, source)
    except TooManyAttempts as exc:
        raise MedleyError(
            ErrorCode.RATE_LIMITED,
            "Too many failed authentication attempts; try again later.",
            [],
            headers={"Retry-After": str(max(1, int(exc.retry_after)))},
        ) from None
    except AuthenticationBusy as exc:
        detail = "Too many client secrets are being verified at this moment; retry in a second."
        raise MedleyError(
            ErrorCode.SERVICE_UNAVAILABLE,
            detail,
            [ErrorDetail(DetailCode.AUTHENTICATION_BUSY, detail)],
            headers={"Retry-After": str(max(1, round(exc.retry_after)))},
        ) from None
    if application is None:
        raise _unauthorized("Application with the provided client ID was not found, or the secret is wrong.")
    return Caller(application, client_secret)
