"""Plain words for the validation errors a new user meets most: what is wrong and what to send instead.

The offending value is never echoed back (it may be patient data); only its place and what to change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_NOT_AN_OBJECT = {"model_attributes_type", "dict_type", "model_type"}
# What an unencoded "+" becomes: the query string reads it as a space before the offset ("…T10:00:00 11:00").
_SPACE_FOR_PLUS = re.compile(r"\d \d{2}(:?\d{2})?$")


def location(loc: tuple[int | str, ...] | list[int | str]) -> str:
    return ".".join(str(part) for part in loc)


def _line_and_column(document: Any, position: int) -> str:
    if not isinstance(document, str | bytes):
        return f"at character {position}"
    text = document if isinstance(document, str) else document.decode("utf-8", errors="replace")
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return f"at line {line}, column {column}"


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def describe(err: Mapping[str, Any], *, content_type: str, document: Any) -> tuple[str, str]:
    """``(path, message)`` for one validation error of a request."""
    loc = tuple(err.get("loc", ()))
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind == "json_invalid":
        position = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else 0
        why = str(ctx.get("error") or "invalid")
        return "body", f"body: not valid JSON ({why}) {_line_and_column(document, position)}"
    if loc == ("body",) and kind in _NOT_AN_OBJECT:
        if not _is_json(content_type):
            return "body", "body: send a JSON object with the header Content-Type: application/json"
        return "body", "body: must be a JSON object ({...})"
    where = location(loc)
    message = f"{where}: {err.get('msg', 'invalid')}"
    value = err.get("input")
    if (
        loc[:1] == ("query",)
        and (kind.startswith("datetime") or kind.startswith("date"))
        and isinstance(value, str)
        and _SPACE_FOR_PLUS.search(value)
    ):
        message += (
            ". A '+' in a URL reads as a space: encode the offset's '+' as %2B "
            "(e.g. 2026-11-26T11:00:00%2B11:00)"
        )
    return where, message
