"""The body of Cliniko's ``PATCH …/cancel`` (an individual appointment, an attendee): what the cancel says."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from medley.sandbox.cliniko.bodies import MISSING, FieldReader, read_json_object
from medley.sandbox.cliniko.errors import CANT_BE_BLANK, NOT_IN_LIST
from medley.sandbox.cliniko.serializers import CANCELLATION_REASONS


@dataclass(frozen=True, slots=True)
class Cancel:
    reason: int
    note: str | None
    to_repeats: bool
    """``apply_to_repeats``: the later occurrences of the same series are cancelled too."""


async def read_cancel(request: Request) -> Cancel:
    """A ``cancellation_reason`` from Cliniko's list (required), an optional note and ``apply_to_repeats``;
    422 with every field's error otherwise."""
    reader = FieldReader(await read_json_object(request))
    reason = reader.integer("cancellation_reason")
    if reason is None or reason is MISSING:
        reader.fail("cancellation_reason", CANT_BE_BLANK)
    elif reason not in CANCELLATION_REASONS:
        reader.fail("cancellation_reason", NOT_IN_LIST)
    note = reader.text("cancellation_note", max_length=None)
    to_repeats = reader.flag("apply_to_repeats")
    reader.raise_if_invalid()
    return Cancel(reason=reason, note=note if isinstance(note, str) else None, to_repeats=to_repeats is True)
