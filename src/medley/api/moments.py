"""Datetimes a client may send, bounded well inside the calendar: window arithmetic (days added to a start,
weeks searched ahead) and offsets of up to ±14 h must never overflow ``datetime``'s years 1 to 9999."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator

EARLIEST_YEAR = 1900
LATEST_YEAR = 2199


def _within_calendar(moment: datetime) -> datetime:
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        # A ValueError becomes the API's usual 400 BAD_INPUT, with the field's path.
        raise ValueError(f"must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    return moment


Moment = Annotated[datetime, AfterValidator(_within_calendar)]
