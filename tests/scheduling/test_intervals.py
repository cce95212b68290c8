"""Interval values and the set algebra, with explicit cases (properties live in test_properties.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from medley.scheduling import Interval, intersect, merge, subtract
from tests.scheduling.clock import LONDON, SYDNEY, local, span, utc


def test_interval_is_stored_in_utc_and_compares_as_instants() -> None:
    in_sydney = span(local(SYDNEY, 2024, 1, 15, 9), local(SYDNEY, 2024, 1, 15, 10))
    in_utc = span(utc(2024, 1, 14, 22), utc(2024, 1, 14, 23))

    assert in_sydney == in_utc
    assert in_sydney.start.tzinfo is UTC
    assert hash(in_sydney) == hash(in_utc)


def test_repeated_hour_is_ordered_by_instant_not_wall_clock() -> None:
    # 01:30 happens twice in London on 27 Oct 2024; Python compares same-zone datetimes by wall
    # clock, so only the UTC normalisation keeps the second pass after the first.
    first_pass = datetime(2024, 10, 27, 1, 30, tzinfo=LONDON, fold=0)
    second_pass = datetime(2024, 10, 27, 1, 30, tzinfo=LONDON, fold=1)

    interval = Interval(first_pass, second_pass)

    assert interval.duration == timedelta(hours=1)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Interval(datetime(2024, 1, 1, 9), utc(2024, 1, 1, 10))
    with pytest.raises(ValueError, match="timezone-aware"):
        Interval(utc(2024, 1, 1, 9), datetime(2024, 1, 1, 10))


@pytest.mark.parametrize("end_hour", [9, 8])
def test_empty_or_inverted_intervals_are_refused(end_hour: int) -> None:
    with pytest.raises(ValueError, match="end after it starts"):
        span(utc(2024, 1, 1, 9), utc(2024, 1, 1, end_hour))


def test_touching_intervals_do_not_overlap() -> None:
    morning = span(utc(2024, 1, 1, 9), utc(2024, 1, 1, 12))
    afternoon = span(utc(2024, 1, 1, 12), utc(2024, 1, 1, 17))
    late_morning = span(utc(2024, 1, 1, 11), utc(2024, 1, 1, 13))

    assert not morning.overlaps(afternoon)
    assert morning.overlaps(late_morning) and late_morning.overlaps(afternoon)


def test_contains_includes_the_interval_itself() -> None:
    day = span(utc(2024, 1, 1, 9), utc(2024, 1, 1, 17))

    assert day.contains(day)
    assert day.contains(span(utc(2024, 1, 1, 10), utc(2024, 1, 1, 11)))
    assert not day.contains(span(utc(2024, 1, 1, 16), utc(2024, 1, 1, 18)))


def test_merge_joins_overlapping_and_touching_intervals_in_any_order() -> None:
    plus_two = timezone(timedelta(hours=2))
    intervals = [
        span(utc(2024, 1, 1, 14), utc(2024, 1, 1, 15)),
        span(utc(2024, 1, 1, 9), utc(2024, 1, 1, 11)),
        # 12:00-13:00 UTC written in another zone, touching both neighbours.
        span(datetime(2024, 1, 1, 14, tzinfo=plus_two), datetime(2024, 1, 1, 15, tzinfo=plus_two)),
        span(utc(2024, 1, 1, 10), utc(2024, 1, 1, 12)),
        span(utc(2024, 1, 1, 13), utc(2024, 1, 1, 14)),
        span(utc(2024, 1, 1, 18), utc(2024, 1, 1, 19)),
    ]

    assert merge(intervals) == [
        span(utc(2024, 1, 1, 9), utc(2024, 1, 1, 15)),
        span(utc(2024, 1, 1, 18), utc(2024, 1, 1, 19)),
    ]


def test_merge_of_nothing_is_nothing() -> None:
    assert merge([]) == []


def test_subtract_cuts_holes_and_trims_edges() -> None:
    day = [span(utc(2024, 1, 1, 9), utc(2024, 1, 1, 17))]
    busy = [
        span(utc(2024, 1, 1, 8), utc(2024, 1, 1, 9, 30)),  # hangs over the start
        span(utc(2024, 1, 1, 12), utc(2024, 1, 1, 13)),  # lunch
        span(utc(2024, 1, 1, 16), utc(2024, 1, 1, 18)),  # hangs over the end
    ]

    assert subtract(day, busy) == [
        span(utc(2024, 1, 1, 9, 30), utc(2024, 1, 1, 12)),
        span(utc(2024, 1, 1, 13), utc(2024, 1, 1, 16)),
    ]


def test_one_long_busy_interval_removes_several_working_intervals() -> None:
    working = [
        span(utc(2024, 1, 1, 9), utc(2024, 1, 1, 12)),
        span(utc(2024, 1, 2, 9), utc(2024, 1, 2, 12)),
        span(utc(2024, 1, 3, 9), utc(2024, 1, 3, 12)),
        span(utc(2024, 1, 4, 9), utc(2024, 1, 4, 12)),
    ]
    holiday = [span(utc(2024, 1, 1, 11), utc(2024, 1, 3, 10))]

    assert subtract(working, holiday) == [
        span(utc(2024, 1, 1, 9), utc(2024, 1, 1, 11)),
        span(utc(2024, 1, 3, 10), utc(2024, 1, 3, 12)),
        span(utc(2024, 1, 4, 9), utc(2024, 1, 4, 12)),
    ]


def test_intersect_keeps_only_shared_time() -> None:
    working = [
        span(utc(2024, 1, 1, 9), utc(2024, 1, 1, 12)),
        span(utc(2024, 1, 1, 13), utc(2024, 1, 1, 17)),
    ]
    window = [span(utc(2024, 1, 1, 11), utc(2024, 1, 1, 14))]

    assert intersect(working, window) == [
        span(utc(2024, 1, 1, 11), utc(2024, 1, 1, 12)),
        span(utc(2024, 1, 1, 13), utc(2024, 1, 1, 14)),
    ]
    assert intersect(working, []) == []
