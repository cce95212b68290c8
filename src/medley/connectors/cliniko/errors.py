"""What can go wrong talking to Cliniko, as contract errors (``MedleyError``) the gateway can render.

Two cases get their own class because the caller must act on them: a 404 (only the caller knows
which id was wrong) and a write whose outcome is unknown (the caller must look before it retries).
Both still render sensibly if nobody catches them.
"""

from __future__ import annotations

import json
import re
from functools import partial
from typing import Any

from medley.connectors import upstream
from medley.connectors.cliniko.field_paths import field_errors
from medley.connectors.upstream import Reply, UpstreamNotFound
from medley.domain.errors import DetailCode, ErrorCode, ErrorDetail, MedleyError

_MAX_MESSAGE_CHARS = 500
_S3_ERROR = re.compile(r"<Code>([^<]{1,100})</Code>")


class ClinikoNotFound(UpstreamNotFound):
    """Cliniko answered 404: a missing or hidden record, or an unknown route."""

    ehr = "Cliniko"


class UnknownOutcome(upstream.UnknownOutcome):
    """A write Cliniko did not confirm: the caller looks for its effect before it retries."""

    ehr = "Cliniko"


def upstream_message(reply: Reply) -> Any:
    """Cliniko's own words about a failure: its JSON ``errors``/``message`` when present, else text.

    Error bodies may be HTML (unknown routes), plain text (401) or XML (S3), so nothing here assumes JSON.
    """
    text = reply.text
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        if isinstance(body.get("errors"), dict) and body["errors"]:
            return body["errors"]
        for key in ("message", "error"):
            if key in body:
                return body[key]
        return body
    if "html" in reply.content_type:
        return f"HTML page ({len(text)} characters)"
    if "xml" in reply.content_type and (code := _S3_ERROR.search(text)):
        return code.group(1)
    return text.strip()[:_MAX_MESSAGE_CHARS]


def _detail(code: ErrorCode, detail: str, emr: dict[str, Any], detail_code: DetailCode) -> MedleyError:
    return MedleyError(code, detail, [ErrorDetail(detail_code, detail, emr_error=emr)])


def error_for_status(reply: Reply, path_template: str) -> MedleyError:
    """The contract error for a final (not retried) non-2xx answer from the Cliniko API."""
    status = reply.status
    emr = {"status": status, "message": upstream_message(reply)}
    if status == 404:
        return ClinikoNotFound(path_template)
    if status in (400, 422):
        detail = "Cliniko refused the request as invalid."
        fields = field_errors(emr["message"], "Cliniko refused", emr)
        if fields:
            return MedleyError(ErrorCode.BAD_REQUEST, detail, fields)
        return _detail(ErrorCode.BAD_REQUEST, detail, emr, DetailCode.BAD_INPUT)
    if status in (401, 403):
        detail = (
            f"Cliniko refused the API key (HTTP {status}): check that the key is valid, belongs to this "
            "shard, and that its user may do this."
        )
        return _detail(ErrorCode.EMR_ERROR, detail, emr, DetailCode.BAD_INPUT)
    if status == 413:
        return _detail(
            ErrorCode.PAYLOAD_TOO_LARGE,
            "Cliniko refused the file as too large.",
            emr,
            DetailCode.DOCUMENT_TOO_LARGE,
        )
    return _detail(ErrorCode.EMR_ERROR, f"Cliniko failed with HTTP {status}.", emr, DetailCode.BAD_INPUT)


def upload_error(reply: Reply) -> MedleyError:
    """A refusal from the file store Cliniko hands uploads to (S3): our problem, not the caller's."""
    emr = {"status": reply.status, "message": upstream_message(reply)}
    if reply.status == 413 or emr["message"] == "EntityTooLarge":
        return _detail(
            ErrorCode.PAYLOAD_TOO_LARGE,
            "The file store refused the file as too large.",
            emr,
            DetailCode.DOCUMENT_TOO_LARGE,
        )
    return _detail(
        ErrorCode.EMR_ERROR,
        f"Cliniko's file store refused the upload (HTTP {reply.status}).",
        emr,
        DetailCode.BAD_INPUT,
    )


unreachable = partial(upstream.unreachable, "Cliniko")
malformed = partial(upstream.malformed, "Cliniko")
