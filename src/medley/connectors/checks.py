"""Checks of a request's inputs that every connector makes before asking its EHR."""

from __future__ import annotations

from datetime import datetime

from medley.domain.errors import DetailCode, MedleyError


def require_aware(*moments: datetime) -> None:
    """A 400 for any time without a UTC offset: it would mean a different instant in every zone."""
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise MedleyError.bad_request("Times must carry a UTC offset.", DetailCode.INVALID_TIME_WINDOW)
