"""Typed ids (``emr_id:123`` or bare ``123``), as the public API we are compatible with accepts them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from medley.domain.errors import DetailCode, MedleyError

KNOWN_ID_TYPES = ("emr_id", "se_personal_number", "no_personal_number", "nhs_number", "hsa_id")
# Ids travel into upstream URL paths: only a conservative alphabet is let through.
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


def parse_typed_id(
    raw: str,
    *,
    supported: Sequence[str] = ("emr_id",),
    invalid_code: DetailCode = DetailCode.INVALID_PATIENT_ID,
    field: str = "patient_id",
) -> str:
    """Return the EHR id named by ``raw``; reject other id types and unsafe values with a 400."""
    kind, sep, value = raw.strip().partition(":")
    if not sep:
        kind, value = "emr_id", raw.strip()
    if kind not in KNOWN_ID_TYPES:
        raise MedleyError.bad_request(
            f"Unknown {field} type '{kind[:32]}'. Use one of: {', '.join(KNOWN_ID_TYPES)}.",
            DetailCode.INVALID_PATIENT_ID_TYPE,
            path=field,
        )
    if kind not in supported:
        raise MedleyError.bad_request(
            f"This EHR cannot look up a {field} by '{kind}'. Supported: {', '.join(supported)}.",
            DetailCode.PATIENT_ID_LOOKUP_TYPE_NOT_SUPPORTED,
            path=field,
        )
    if not _SAFE_VALUE.fullmatch(value):
        raise MedleyError.bad_request(f"Invalid {field}.", invalid_code, path=field)
    return value


def parse_plain_id(raw: str, *, invalid_code: DetailCode, field: str) -> str:
    """An untyped id (care unit, service, appointment, document): bare or ``emr_id:``-prefixed."""
    return parse_typed_id(raw, supported=("emr_id",), invalid_code=invalid_code, field=field)
