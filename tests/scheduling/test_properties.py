"""Invariants that must hold for any input: the interval algebra, bookable starts and wall-clock hours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from medley.scheduling import (
    Interval,
    WorkingPeriod,
    bookable_starts,
    free_intervals,
    intersect,
    merge,
    subtract,
    working_intervals,
)
from tests.scheduling.clock import local_day

# Modest counts: the whole file should run in a couple of seconds.
settings.register_profile("scheduling", max_examples=60, deadline=None)
PROPERTY = settings.get_profile("scheduling")

BASE = datetime(2024, 3, 29, tzinfo=UTC)
ZONES_FOR_INSTANTS = [
    UTC,
    timezone(timedelta(hours=-5)),
    ZoneInfo("Europe/London"),
    ZoneInfo("Australia/Sydney"),
]


@st.composite
def intervals(draw: st.DrawFn) -> Interval:
    """Minute-aligned intervals over a few days that include a DST change, written in assorted zones."""
    start = BASE + timedelta(minutes=draw(st.integers(0, 4 * 24 * 60)))
    end = start + timedelta(minutes=draw(st.integers(1, 8 * 60)))
    zone = draw(st.sampled_from(ZONES_FOR_INSTANTS))
    return Interval(start.astimezone(zone), end.astimezone(zone))


interval_lists = st.lists(intervals(), max_size=8)


def covers(intervals: Sequence[Interval], moment: datetime) -> bool:
    return any(interval.start <= moment < interval.end for interval in intervals)


def probe_points(*families: Sequence[Interval]) -> list[datetime]:
    """Every endpoint, and a moment just after it: membership is constant between endpoints."""
    points = []
    for family in families:
        for interval in family:
            for edge in (interval.start, interval.end):
                points += [edge, edge + timedelta(seconds=30)]
    return points


def assert_canonical(intervals: Sequence[Interval]) -> None:
    """Sorted, disjoint and not touching: the one way to write a set of instants."""
    for earlier, later in pairwise(intervals):
        assert earlier.end < later.start
    assert all(interval.start.tzinfo is UTC for interval in intervals)


def total(intervals: Sequence[Interval]) -> timedelta:
    return sum((interval.duration for interval in intervals), timedelta(0))


# --- The interval algebra. ---


@PROPERTY
@given(interval_lists)
def test_merge_is_canonical_idempotent_and_keeps_every_instant(intervals: list[Interval]) -> None:
    merged = merge(intervals)

    assert_canonical(merged)
    assert merge(merged) == merged
    assert merge(reversed(intervals)) == merged
    for moment in probe_points(intervals):
        assert covers(merged, moment) == covers(intervals, moment)


@PROPERTY
@given(interval_lists, interval_lists)
def test_subtract_keeps_exactly_the_instants_of_base_not_in_busy(
    base: list[Interval], busy: list[Interval]
) -> None:
    result = subtract(base, busy)

    assert_canonical(result)
    for moment in probe_points(base, busy):
        assert covers(result, moment) == (covers(base, moment) and not covers(busy, moment))
    assert intersect(result, busy) == []
    assert subtract(base, []) == merge(base)
    assert subtract(base, base) == []


@PROPERTY
@given(interval_lists, interval_lists)
def test_intersect_keeps_exactly_the_shared_instants(a: list[Interval], b: list[Interval]) -> None:
    result = intersect(a, b)

    assert_canonical(result)
    assert result == intersect(b, a)
    assert intersect(a, a) == merge(a)
    for moment in probe_points(a, b):
        assert covers(result, moment) == (covers(a, moment) and covers(b, moment))


@PROPERTY
@given(interval_lists, interval_lists)
def test_difference_and_intersection_partition_the_base(a: list[Interval], b: list[Interval]) -> None:
    outside = subtract(a, b)
    inside = intersect(a, b)

    assert merge(outside + inside) == merge(a)
    assert total(outside) + total(inside) == total(merge(a))


# --- Bookable starts. ---


@st.composite
def slot_requests(draw: st.DrawFn) -> dict[str, object]:
    window = draw(st.none() | intervals())
    return {
        "working": draw(interval_lists),
        "busy": draw(interval_lists),
        "duration": timedelta(minutes=draw(st.integers(5, 120))),
        "step": draw(st.none() | st.integers(1, 60).map(lambda minutes: timedelta(minutes=minutes))),
        "now": BASE + timedelta(minutes=draw(st.integers(-600, 3 * 24 * 60))),
        "min_notice": timedelta(minutes=draw(st.integers(0, 6 * 60))),
        "horizon": draw(
            st.none() | st.integers(0, 4 * 24 * 60).map(lambda minutes: timedelta(minutes=minutes))
        ),
        "window": window,
    }


def expected_starts(request: dict[str, object]) -> list[datetime]:
    """The specification, walked one grid point at a time from each free interval's start."""
    duration: timedelta = request["duration"]  # type: ignore[assignment]
    step: timedelta = request["step"] or duration  # type: ignore[assignment]
    now: datetime = request["now"]  # type: ignore[assignment]
    min_notice: timedelta = request["min_notice"]  # type: ignore[assignment]
    horizon: timedelta | None = request["horizon"]  # type: ignore[assignment]
    window: Interval | None = request["window"]  # type: ignore[assignment]
    starts = []
    for free in free_intervals(request["working"], request["busy"]):  # type: ignore[arg-type]
        start = free.start
        while start + duration <= free.end:
            if (
                start >= now + min_notice
                and (horizon is None or start <= now + horizon)
                and (window is None or window.start <= start < window.end)
            ):
                starts.append(start)
            start += step
    return starts


@PROPERTY
@given(slot_requests())
def test_bookable_starts_obey_every_rule_and_miss_none(request: dict[str, object]) -> None:
    starts = bookable_starts(**request)  # type: ignore[arg-type]
    duration: timedelta = request["duration"]  # type: ignore[assignment]
    working = merge(request["working"])  # type: ignore[arg-type]
    busy: list[Interval] = request["busy"]  # type: ignore[assignment]

    assert starts == sorted(set(starts))
    assert all(start.tzinfo is UTC for start in starts)
    for start in starts:
        slot = Interval(start, start + duration)
        assert not any(slot.overlaps(booking) for booking in busy)
        assert any(interval.contains(slot) for interval in working)
    assert starts == expected_starts(request)


# --- Wall-clock working hours. ---

ZONES_WITH_DST = [
    ZoneInfo(name)
    for name in (
        "Europe/London",
        "Australia/Sydney",
        "America/New_York",
        "Australia/Lord_Howe",  # a 30-minute DST shift
        "America/Santiago",  # changes at midnight
        "Asia/Kolkata",
    )
]
CLOCK_CHANGE_DATES = [
    date(2024, 3, 31),
    date(2024, 10, 27),
    date(2024, 4, 7),
    date(2024, 10, 6),
    date(2024, 3, 10),
]


@st.composite
def working_periods(draw: st.DrawFn) -> WorkingPeriod:
    start = draw(st.integers(0, 95)) * 15
    end = draw(st.integers(start // 15 + 1, 96)) * 15
    return WorkingPeriod(_minutes_to_time(start), _minutes_to_time(end % (24 * 60)))


weekly_hours = st.dictionaries(st.integers(0, 6), st.lists(working_periods(), max_size=3), max_size=7)


def _minutes_to_time(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def _minutes(period: WorkingPeriod) -> tuple[int, int]:
    end = 24 * 60 if period.ends_at_midnight else period.end.hour * 60 + period.end.minute
    return period.start.hour * 60 + period.start.minute, end


def _merged_minutes(periods: Sequence[WorkingPeriod]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(_minutes(period) for period in periods):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _local_minutes(interval: Interval, tz: ZoneInfo, day: date) -> tuple[int, int]:
    start, end = interval.start.astimezone(tz), interval.end.astimezone(tz)
    end_minutes = 24 * 60 if end.date() > day else end.hour * 60 + end.minute
    return start.hour * 60 + start.minute, end_minutes


@PROPERTY
@given(
    weekly_hours,
    st.sampled_from(ZONES_WITH_DST),
    st.sampled_from(CLOCK_CHANGE_DATES),
    st.integers(-3, 3),
)
def test_ordinary_days_keep_their_wall_clock_hours_next_to_clock_changes(
    weekly: dict[int, list[WorkingPeriod]], tz: ZoneInfo, change: date, shift: int
) -> None:
    first = change + timedelta(days=shift)
    days = [first + timedelta(days=offset) for offset in range(5)]
    window = Interval(local_day(tz, days[0]).start, local_day(tz, days[-1]).end)

    working = working_intervals(weekly, tz, window)

    assert_canonical(working)
    assert all(window.contains(interval) for interval in working)
    for day in days:
        whole_day = local_day(tz, day)
        if whole_day.start.astimezone(tz).utcoffset() != whole_day.end.astimezone(tz).utcoffset():
            continue  # the day of a change is covered by the explicit DST tests
        on_day = intersect(working, [whole_day])
        assert [_local_minutes(interval, tz, day) for interval in on_day] == _merged_minutes(
            weekly.get(day.weekday(), [])
        )
