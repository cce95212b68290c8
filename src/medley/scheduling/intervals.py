"""Half-open time intervals between instants, and the set algebra slots are built from.

An `Interval` is ``[start, end)`` between two timezone-aware instants. Both ends are stored in UTC:
Python compares two datetimes that share a ``tzinfo`` by wall clock and ignores ``fold``, so keeping
local datetimes would misorder the repeated hour of a DST fall-back. Normalising once makes every
comparison an instant comparison.

`merge`, `subtract` and `intersect` treat their inputs as sets of instants: inputs may be unsorted and
overlapping, outputs are sorted, disjoint and non-adjacent (the canonical form of that set).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """``[start, end)`` between two aware instants, stored in UTC; ``end`` must be after ``start``."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start = _as_utc(self.start, "start")
        end = _as_utc(self.end, "end")
        if end <= start:
            raise ValueError(f"An interval must end after it starts (start={start}, end={end}).")
        # The dataclass is frozen, so normalise through object.__setattr__ (the usual idiom).
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        """True when the two share at least one instant (touching ends do not overlap)."""
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        """True when every instant of ``other`` lies in this interval."""
        return self.start <= other.start and other.end <= self.end


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted union: overlapping or touching intervals become one."""
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if merged and interval.start <= merged[-1].end:
            last = merged[-1]
            if interval.end > last.end:
                merged[-1] = Interval(last.start, interval.end)
        else:
            merged.append(interval)
    return merged


def subtract(base: Iterable[Interval], busy: Iterable[Interval]) -> list[Interval]:
    """The instants of ``base`` not in ``busy``, sorted; one sweep after sorting both."""
    remaining = merge(base)
    holes = merge(busy)
    if not holes:
        return remaining
    result: list[Interval] = []
    first_hole = 0
    for interval in remaining:
        cursor = interval.start
        # Holes that end by the cursor cannot touch this interval or any later one: both lists are sorted.
        while first_hole < len(holes) and holes[first_hole].end <= cursor:
            first_hole += 1
        index = first_hole
        while index < len(holes) and holes[index].start < interval.end:
            hole = holes[index]
            if hole.start > cursor:
                result.append(Interval(cursor, hole.start))
            cursor = hole.end  # holes are disjoint and sorted, so this only moves forward
            if cursor >= interval.end:
                break
            index += 1
        if cursor < interval.end:
            result.append(interval if cursor == interval.start else Interval(cursor, interval.end))
    return result


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """The instants in both ``a`` and ``b``, sorted; one sweep after sorting both."""
    left = merge(a)
    right = merge(b)
    result: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i].start, right[j].start)
        end = min(left[i].end, right[j].end)
        if start < end:
            result.append(Interval(start, end))
        # Advance whichever finishes first: it cannot meet anything further on the other side.
        if left[i].end <= right[j].end:
            i += 1
        else:
            j += 1
    return result


def _as_utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"Interval {name} must be timezone-aware, got naive {moment.isoformat()}.")
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)
