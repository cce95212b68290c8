"""Bookable start times: working time minus busy time, cut into a grid of appointment-sized slots.

The grid is anchored at the start of each free interval, so a booking re-anchors the slots after it:
with 30-minute slots from 09:00 and a 45-minute booking at 09:00, the next slot starts at 09:45, not
10:00. This is how Cliniko's online booking behaves (see the Cliniko reference, available_times).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Final

from medley.scheduling.intervals import Interval, subtract

SLOT_GRANULARITY_DEFAULT: Final[timedelta | None] = None
"""The default ``step``: ``None`` means the step equals the appointment's duration (back-to-back slots)."""


def free_intervals(working: Sequence[Interval], busy: Sequence[Interval]) -> list[Interval]:
    """Working time not taken by any busy interval, sorted and merged."""
    return subtract(working, busy)


def bookable_starts(
    *,
    working: Sequence[Interval],
    busy: Sequence[Interval],
    duration: timedelta,
    step: timedelta | None = SLOT_GRANULARITY_DEFAULT,
    now: datetime,
    min_notice: timedelta = timedelta(0),
    horizon: timedelta | None = None,
    window: Interval | None = None,
) -> list[datetime]:
    """Every start at which ``duration`` fits in free time, as sorted, unique UTC datetimes.

    In each free interval the candidates are ``free.start + k * step`` (``step`` defaults to
    ``duration``) while the slot still ends by ``free.end``. A candidate is dropped when it is before
    ``now + min_notice``, after ``now + horizon``, or (with a ``window``) outside
    ``[window.start, window.end)``. Only the start must lie in the window; the slot may run past it.
    """
    return list(
        iter_bookable_starts(
            working=working,
            busy=busy,
            duration=duration,
            step=step,
            now=now,
            min_notice=min_notice,
            horizon=horizon,
            window=window,
        )
    )


def iter_bookable_starts(
    *,
    working: Sequence[Interval],
    busy: Sequence[Interval],
    duration: timedelta,
    step: timedelta | None = SLOT_GRANULARITY_DEFAULT,
    now: datetime,
    min_notice: timedelta = timedelta(0),
    horizon: timedelta | None = None,
    window: Interval | None = None,
) -> Iterator[datetime]:
    """`bookable_starts` lazily, in order: ``next(...)`` finds the first free slot without listing all."""
    grid = step if step is not None else duration
    _check_arguments(duration=duration, step=grid, now=now, min_notice=min_notice, horizon=horizon)
    earliest = now + min_notice
    if window is not None and window.start > earliest:
        earliest = window.start
    return _grid_starts(
        free_intervals(working, busy),
        duration=duration,
        step=grid,
        earliest=earliest,
        latest=now + horizon if horizon is not None else None,
        before=window.end if window is not None else None,
    )


def _grid_starts(
    free: list[Interval],
    *,
    duration: timedelta,
    step: timedelta,
    earliest: datetime,
    latest: datetime | None,
    before: datetime | None,
) -> Iterator[datetime]:
    """Grid starts in each free interval, from ``earliest`` up to ``latest`` (inclusive) and ``before``."""
    for interval in free:
        last_fitting = interval.end - duration
        candidate = interval.start
        if earliest > candidate:
            # Jump straight to the first grid point at or after ``earliest``: no walking the grid.
            candidate += -((candidate - earliest) // step) * step
        while candidate <= last_fitting:
            # Free intervals are sorted, so the first start past a limit ends the whole search.
            if (latest is not None and candidate > latest) or (before is not None and candidate >= before):
                return
            yield candidate
            candidate += step


def _check_arguments(
    *, duration: timedelta, step: timedelta, now: datetime, min_notice: timedelta, horizon: timedelta | None
) -> None:
    if duration <= timedelta(0):
        raise ValueError(f"The appointment duration must be positive, got {duration}.")
    if step <= timedelta(0):
        raise ValueError(f"The slot step must be positive, got {step}.")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("'now' must be timezone-aware.")
    if min_notice < timedelta(0):
        raise ValueError(f"The minimum notice cannot be negative, got {min_notice}.")
    if horizon is not None and horizon < timedelta(0):
        raise ValueError(f"The booking horizon cannot be negative, got {horizon}.")
