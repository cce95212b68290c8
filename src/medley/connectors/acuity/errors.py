"""What can go wrong talking to Acuity, as contract errors (``MedleyError``) the gateway can render.

Acuity answers every error with ``{"status_code", "message", "error"}`` (reference §1.7). Its booking refusals
are all HTTP 400 with a code in ``error``; they are mapped to what they mean for a Medley client: a taken slot
is a conflict like any other (409 ``NO_TIMESLOTS_AVAILABLE``), a time too soon or too far ahead is a clear 400.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from medley.connectors import upstream
from medley.connectors.upstream import Reply, UpstreamNotFound
from medley.domain.errors import DetailCode, ErrorCode, ErrorDetail, MedleyError

_MAX_MESSAGE_CHARS = 500


class AcuityNotFound(UpstreamNotFound):
    """Acuity answered 404: an unknown id (or route). Only the caller knows which id was wrong."""

    ehr = "Acuity"


class UnknownOutcome(upstream.UnknownOutcome):
    """A write Acuity did not confirm: the caller looks for its effect before it retries."""

    ehr = "Acuity"


def error_body(reply: Reply) -> dict[str, Any]:
    """Acuity's ``{status_code, message, error}``, or what stands for it when the body is not that (an HTML
    throttle page, a proxy's text)."""
    text = reply.text
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        return {"status": reply.status, "error": body.get("error"), "message": body.get("message")}
    if "html" in reply.content_type:
        return {"status": reply.status, "error": None, "message": f"HTML page ({len(text)} characters)"}
    return {"status": reply.status, "error": None, "message": text.strip()[:_MAX_MESSAGE_CHARS]}


def is_throttle(reply: Reply) -> bool:
    """A 429, or the undocumented HTML 403 Acuity has been seen to throttle with (reference §1.4)."""
    return reply.status == 429 or (reply.status == 403 and "html" in reply.content_type)


# Booking refusals (all HTTP 400 at Acuity) that are about the time asked for.
_TAKEN = frozenset({"not_available", "no_available_calendar"})
_TOO_SOON = "not_available_min_hours_in_advance"
_TOO_FAR = "not_available_max_days_in_advance"
_CLIENT_RULES = frozenset(
    {"reschedule_not_allowed", "reschedule_too_close", "cancel_not_allowed", "cancel_too_close", "reschedule_series"}
)
_FIELDS: dict[str, tuple[DetailCode, str]] = {
    "required_email": (DetailCode.MISSING_REQUIRED_FIELD, "patient_id"),
    "invalid_email": (DetailCode.BAD_INPUT, "patient_id"),
    "required_first_name": (DetailCode.MISSING_REQUIRED_FIELD, "first_name"),
    "required_last_name": (DetailCode.MISSING_REQUIRED_FIELD, "last_name"),
    "invalid_calendar": (DetailCode.INVALID_RESOURCE_ID, "resource_id"),
    "invalid_appointment_type": (DetailCode.INVALID_HEALTHCARE_SERVICE_ID, "healthcare_service_id"),
    "invalid_datetime": (DetailCode.INVALID_TIME_WINDOW, "start"),
    "required_datetime": (DetailCode.MISSING_REQUIRED_FIELD, "start"),
}


def error_for_status(reply: Reply, path_template: str) -> MedleyError:
    """The contract error for a final (not retried) non-2xx answer from the Acuity API."""
    status = reply.status
    emr = error_body(reply)
    code = emr.get("error")
    if status == 404:
        return AcuityNotFound(path_template)
    if status == 400 and code in _TAKEN:
        detail = "Acuity says this time is no longer available."
        return MedleyError(ErrorCode.CONFLICT, detail, [ErrorDetail(DetailCode.NO_TIMESLOTS_AVAILABLE, detail, emr)])
    if status == 400 and code == _TOO_SOON:
        detail = "This start is closer than the minimum notice the practice allows for booking online."
        return _bad(detail, DetailCode.INVALID_TIME_WINDOW, emr, "start")
    if status == 400 and code == _TOO_FAR:
        detail = "This start is further ahead than the practice allows booking online."
        return _bad(detail, DetailCode.INVALID_TIME_WINDOW, emr, "start")
    if status == 400 and code in _CLIENT_RULES:
        detail = f"The practice's own rules do not allow this change now ({emr.get('message') or code})."
        return _bad(detail, DetailCode.INVALID_STATUS_TRANSITION, emr, None)
    if status == 400 and code == "reschedule_canceled":
        return _bad("A cancelled appointment cannot be moved.", DetailCode.INVALID_STATUS_TRANSITION, emr, None)
    if status == 400 and isinstance(code, str) and code in _FIELDS:
        detail_code, path = _FIELDS[code]
        return _bad(f"Acuity refused the request: {emr.get('message') or code}", detail_code, emr, path)
    if status in (400, 422):
        return _bad("Acuity refused the request as invalid.", DetailCode.BAD_INPUT, emr, None)
    if status in (401, 403):
        detail = (
            f"Acuity refused the credentials (HTTP {status}): check the user id and API key (Integrations → API), "
            "and that the account's plan includes API access."
        )
        return MedleyError(ErrorCode.EMR_ERROR, detail, [ErrorDetail(DetailCode.BAD_INPUT, detail, emr_error=emr)])
    detail = f"Acuity failed with HTTP {status}."
    return MedleyError(ErrorCode.EMR_ERROR, detail, [ErrorDetail(DetailCode.BAD_INPUT, detail, emr_error=emr)])


def _bad(detail: str, code: DetailCode, emr: dict[str, Any], path: str | None) -> MedleyError:
    return MedleyError(ErrorCode.BAD_REQUEST, detail, [ErrorDetail(code, detail, emr_error=emr, path=path)])


unreachable = partial(upstream.unreachable, "Acuity")
malformed = partial(upstream.malformed, "Acuity")
