"""Sandbox-only controls, outside Cliniko's API: what a clinic changes in Cliniko's web app, not through ``/v1``.

``PATCH /control/settings/online_bookings`` sets the account's online-booking settings (Cliniko has no API
for them: its ``/v1`` only reads them, ``GET /settings/public``), e.g. the cap per day segment and the daily
bookings limit that ``available_times`` obeys. It sits beside ``/v1``, never under it, takes the emulator's
API key (HTTP Basic, as ``/v1``) and is neither rate-limited nor subject to fault injection: a test or an
integrator sets the practice up with it and then uses the API as usual.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from medley.sandbox.cliniko.account_settings import DEFAULTS, load_settings, update_section
from medley.sandbox.cliniko.auth import access_denied, is_authorised
from medley.sandbox.cliniko.bodies import read_json_object
from medley.sandbox.cliniko.deps import ContextDep, WriteSession
from medley.sandbox.cliniko.errors import RecordNotFound, ValidationFailed

router = APIRouter()

CONTROL_PREFIX: Final = "/control"
EDITABLE_SECTIONS: Final = frozenset({"online_bookings"})
"""The sections the emulator's behaviour reads (``available_times``): the others are display settings."""


@router.patch(CONTROL_PREFIX + "/settings/{section}")
async def update_settings(section: str, request: Request, session: WriteSession, context: ContextDep) -> Response:
    """Merge the body's values into one settings section; 200 with the whole section as ``/v1`` now shows it."""
    headers = request.headers
    if not is_authorised(context.api_key, authorization=headers.get("authorization"), host=headers.get("host")):
        return access_denied()
    if section not in EDITABLE_SECTIONS:
        raise RecordNotFound()
    values = await read_json_object(request)
    errors = {name: problem for name, value in values.items() if (problem := _problem(section, name, value))}
    if errors:
        raise ValidationFailed(errors)
    await update_section(session, section, values)
    await session.commit()
    return JSONResponse((await load_settings(session))[section])


def _problem(section: str, name: str, value: Any) -> str | None:
    """Why ``value`` cannot be ``section.name`` (None when it can): the type of Cliniko's documented field."""
    defaults = DEFAULTS[section]
    if name not in defaults:
        return f"is not a setting of {section}"
    default = defaults[name]
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "must be true or false"
    if isinstance(default, int):
        # 0 is Cliniko's "unlimited" / "now"; a negative count or a fraction has no meaning there.
        whole = isinstance(value, int) and not isinstance(value, bool)
        return None if whole and value >= 0 else "must be a whole number, 0 or more"
    return None if value is None or isinstance(value, str) else "must be a string or null"
