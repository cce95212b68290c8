"""Request bodies as Rails reads them, and field checks that collect Cliniko's 422 messages.

Rails parses a body only when it is sent as ``Content-Type: application/json``; any other body (or
JSON that does not parse) counts as empty, which then fails as ``can’t be blank`` where a field is
required. A JSON value that is not an object is refused with 422 ``must be an object``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime
from typing import Any

from starlette.requests import Request

from medley.sandbox.cliniko.errors import (
    CANT_BE_BLANK,
    IS_INVALID,
    NOT_IN_LIST,
    MustBeAnObject,
    NullCharacter,
    ValidationFailed,
    too_long,
)

_ID = re.compile(r"^\d{1,19}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MISSING: Any = object()
"""Returned for a key the body does not have (distinct from an explicit null)."""


async def read_json_object(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        return {}
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(body, dict):
        raise MustBeAnObject()
    if _holds_nul(body):
        raise NullCharacter("request body")
    return body


def _holds_nul(value: Any) -> bool:
    """Whether any key or string inside a parsed JSON value holds a NUL (JSON can spell it ``\\u0000``)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


class FieldReader:
    """Reads typed fields from a body, recording one Cliniko message per bad field.

    Each reader returns ``MISSING`` when the key is absent (so a PATCH can tell "unchanged" from
    "set to null"), the parsed value otherwise, or None after recording an error.
    """

    def __init__(self, body: Mapping[str, Any]) -> None:
        self.body = body
        self.errors: dict[str, str] = {}

    def has(self, name: str) -> bool:
        return name in self.body

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

    def text(self, name: str, *, required: bool = False, max_length: int | None = 255) -> Any:
        """A string; numbers are accepted as their text (Rails casts them). Blank counts as missing."""
        value = self.body.get(name, MISSING)
        if value is MISSING or value is None:
            if required:
                self.fail(name, CANT_BE_BLANK)
                return None
            return value
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(name, IS_INVALID)
            return None
        text = str(value)
        if required and not text.strip():
            self.fail(name, CANT_BE_BLANK)
            return None
        if max_length is not None and len(text) > max_length:
            self.fail(name, too_long(max_length))
            return None
        return text

    def choice(self, name: str, allowed: Collection[str]) -> Any:
        value = self.text(name)
        if isinstance(value, str) and value not in allowed:
            self.fail(name, NOT_IN_LIST)
            return None
        return value

    def record_id(self, name: str, *, relation: str, required: bool = False) -> Any:
        """An id sent as a string or a number; absent, null or malformed ids fail as ``<relation> must
        exist`` when required (Rails' ``belongs_to``)."""
        value = self.body.get(name, MISSING)
        if value is MISSING or value is None or value == "":
            if required:
                self.fail(relation, "must exist")
                return None
            return MISSING if value is MISSING else None
        parsed = parse_id(value)
        if parsed is None:
            self.fail(relation, "must exist")
        return parsed

    def instant(self, name: str, *, required: bool = False) -> Any:
        value = self.body.get(name, MISSING)
        if value is MISSING or value is None or value == "":
            if required:
                self.fail(name, CANT_BE_BLANK)
                return None
            return MISSING if value is MISSING else None
        if not isinstance(value, str):
            self.fail(name, IS_INVALID)
            return None
        moment = parse_instant(value)
        if moment is None:
            self.fail(name, IS_INVALID)
        return moment

    def day(self, name: str) -> Any:
        value = self.body.get(name, MISSING)
        if value is MISSING or value is None or value == "":
            return MISSING if value is MISSING else None
        if not isinstance(value, str) or not _DATE.match(value):
            self.fail(name, IS_INVALID)
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(name, IS_INVALID)
            return None

    def flag(self, name: str, *, nullable: bool = False) -> Any:
        value = self.body.get(name, MISSING)
        if value is MISSING or (nullable and value is None):
            return value
        parsed = parse_flag(value)
        if parsed is None:
            self.fail(name, IS_INVALID)
        return parsed

    def integer(self, name: str, *, required: bool = False) -> Any:
        value = self.body.get(name, MISSING)
        if value is MISSING or value is None or value == "":
            if required:
                self.fail(name, CANT_BE_BLANK)
                return None
            return MISSING if value is MISSING else None
        if isinstance(value, bool):
            self.fail(name, IS_INVALID)
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        self.fail(name, "is not a number")
        return None


def parse_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and _ID.match(value.strip()):
        parsed = int(value.strip())
        return parsed if 0 < parsed < 2**63 else None
    return None


def parse_instant(text: str) -> datetime | None:
    """An ISO 8601 time, converted to UTC and cut to whole seconds; no offset is read as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.replace(microsecond=0)


def parse_flag(value: Any) -> bool | None:
    """Rails' boolean casting for the values a client plausibly sends."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in {0, 1}:
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in {"true", "false", "1", "0"}:
        return value.strip().lower() in {"true", "1"}
    return None
