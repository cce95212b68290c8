"""Bookable starts: the grid, bookings, notice, horizon, window, and the emulator's time budget."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from medley.scheduling import (
    SLOT_GRANULARITY_DEFAULT,
    bookable_starts,
    free_intervals,
    iter_bookable_starts,
    working_intervals,
)
from tests.scheduling.clock import LONDON, SYDNEY, hours, local, local_day, span, utc

MINUTES_30 = timedelta(minutes=30)
LONG_AGO = utc(2024, 1, 1)

# Monday 8 January 2024, with a lunch break.
MORNING = span(utc(2024, 1, 8, 9), utc(2024, 1, 8, 12, 30))
AFTERNOON = span(utc(2024, 1, 8, 13, 30), utc(2024, 1, 8, 17))


def at(hour: int, minute: int = 0) -> datetime:
    return utc(2024, 1, 8, hour, minute)


def every(step: timedelta, first: datetime, last: datetime) -> list[datetime]:
    result = []
    moment = first
    while moment <= last:
        result.append(moment)
        moment += step
    return result


def test_default_step_is_the_appointment_duration() -> None:
    assert SLOT_GRANULARITY_DEFAULT is None

    starts = bookable_starts(working=[MORNING, AFTERNOON], busy=[], duration=MINUTES_30, now=LONG_AGO)

    assert starts == every(MINUTES_30, at(9), at(12)) + every(MINUTES_30, at(13, 30), at(16, 30))


def test_fifteen_minute_step_offers_overlapping_candidates() -> None:
    starts = bookable_starts(
        working=[MORNING], busy=[], duration=MINUTES_30, step=timedelta(minutes=15), now=LONG_AGO
    )

    assert starts == every(timedelta(minutes=15), at(9), at(12))


def test_slot_must_end_by_the_end_of_working_time() -> None:
    starts = bookable_starts(
        working=[span(at(9), at(10))], busy=[], duration=timedelta(minutes=45), now=LONG_AGO
    )

    assert starts == [at(9)]


def test_working_time_shorter_than_the_appointment_offers_nothing() -> None:
    starts = bookable_starts(working=[span(at(9), at(9, 20))], busy=[], duration=MINUTES_30, now=LONG_AGO)

    assert starts == []


def test_booking_removes_exactly_the_slots_it_overlaps() -> None:
    fifteen = timedelta(minutes=15)
    booking = span(at(10), at(10, 30))
    before = bookable_starts(working=[MORNING], busy=[], duration=MINUTES_30, step=fifteen, now=LONG_AGO)

    after = bookable_starts(
        working=[MORNING], busy=[booking], duration=MINUTES_30, step=fifteen, now=LONG_AGO
    )

    removed = [start for start in before if start not in after]
    assert removed == [at(9, 45), at(10), at(10, 15)]
    assert all(span(start, start + MINUTES_30).overlaps(booking) for start in removed)
    assert after == [start for start in before if not span(start, start + MINUTES_30).overlaps(booking)]


def test_longer_booking_reanchors_the_grid_after_it() -> None:
    # A 45-minute appointment at 09:00 in a 30-minute grid: the next slot is 09:45, not 10:00.
    booking = span(at(9), at(9, 45))

    starts = bookable_starts(working=[span(at(9), at(12))], busy=[booking], duration=MINUTES_30, now=LONG_AGO)

    assert starts == [at(9, 45), at(10, 15), at(10, 45), at(11, 15)]


def test_cancelled_slot_becomes_bookable_again() -> None:
    booking = span(at(10), at(10, 30))
    while_booked = bookable_starts(working=[MORNING], busy=[booking], duration=MINUTES_30, now=LONG_AGO)

    after_cancelling = bookable_starts(working=[MORNING], busy=[], duration=MINUTES_30, now=LONG_AGO)

    assert at(10) not in while_booked
    assert at(10) in after_cancelling


def test_busy_intervals_may_be_unsorted_overlapping_and_in_any_zone() -> None:
    busy = [
        span(at(11), at(11, 30)),
        span(local(SYDNEY, 2024, 1, 8, 20), local(SYDNEY, 2024, 1, 8, 20, 30)),  # 09:00-09:30 UTC
        span(at(9, 15), at(10)),
    ]

    starts = bookable_starts(working=[MORNING], busy=busy, duration=MINUTES_30, now=LONG_AGO)

    assert starts == [at(10), at(10, 30), at(11, 30), at(12)]


def test_minimum_notice_drops_early_starts_but_keeps_the_grid() -> None:
    starts = bookable_starts(
        working=[MORNING], busy=[], duration=MINUTES_30, now=at(9, 10), min_notice=timedelta(hours=1)
    )

    # Earliest allowed is 10:10; the grid from 09:00 gives 10:30 first, not 10:10.
    assert starts == every(MINUTES_30, at(10, 30), at(12))


def test_start_exactly_at_now_is_bookable_and_earlier_ones_are_not() -> None:
    starts = bookable_starts(working=[MORNING], busy=[], duration=MINUTES_30, now=at(10))

    assert starts[0] == at(10)


def test_horizon_keeps_starts_up_to_and_including_its_end() -> None:
    starts = bookable_starts(
        working=[MORNING, AFTERNOON], busy=[], duration=MINUTES_30, now=at(8), horizon=timedelta(hours=2)
    )

    assert starts == [at(9), at(9, 30), at(10)]


def test_window_limits_the_start_only() -> None:
    window = span(at(10), at(10, 45))

    starts = bookable_starts(working=[MORNING], busy=[], duration=MINUTES_30, now=LONG_AGO, window=window)

    # 10:30 is kept although its slot runs to 11:00, past the window.
    assert starts == [at(10), at(10, 30)]


def test_window_end_is_exclusive() -> None:
    window = span(at(10), at(11))

    starts = bookable_starts(working=[MORNING], busy=[], duration=MINUTES_30, now=LONG_AGO, window=window)

    assert starts == [at(10), at(10, 30)]


def test_window_start_between_grid_points_keeps_the_grid() -> None:
    window = span(at(10, 5), at(12))

    starts = bookable_starts(working=[MORNING], busy=[], duration=MINUTES_30, now=LONG_AGO, window=window)

    assert starts == [at(10, 30), at(11), at(11, 30)]


def test_starts_are_utc_even_when_working_time_was_given_in_local_time() -> None:
    working = [span(local(SYDNEY, 2024, 1, 8, 9), local(SYDNEY, 2024, 1, 8, 10))]
    now_in_sydney = local(SYDNEY, 2024, 1, 8, 8)

    starts = bookable_starts(working=working, busy=[], duration=MINUTES_30, now=now_in_sydney)

    assert starts == [utc(2024, 1, 7, 22), utc(2024, 1, 7, 22, 30)]
    assert all(start.tzinfo is UTC for start in starts)


def test_next_free_slot_is_found_lazily() -> None:
    busy = [span(at(9), at(12))]

    starts = iter_bookable_starts(working=[MORNING, AFTERNOON], busy=busy, duration=MINUTES_30, now=LONG_AGO)

    assert next(starts) == at(12)
    assert next(starts) == at(13, 30)


def test_no_free_time_means_no_next_slot() -> None:
    starts = iter_bookable_starts(working=[MORNING], busy=[MORNING], duration=MINUTES_30, now=LONG_AGO)

    assert next(starts, None) is None


def test_free_intervals_are_working_time_minus_busy_time() -> None:
    free = free_intervals([MORNING, AFTERNOON], [span(at(12), at(14))])

    assert free == [span(at(9), at(12)), span(at(14), at(17))]


def test_slots_across_london_spring_forward_keep_local_times() -> None:
    weekly = {weekday: [hours("09:00", "10:00")] for weekday in range(7)}
    window = span(utc(2024, 3, 30), utc(2024, 4, 1))
    working = working_intervals(weekly, LONDON, window)

    starts = bookable_starts(working=working, busy=[], duration=MINUTES_30, now=LONG_AGO)

    assert [start.astimezone(LONDON).strftime("%d %H:%M") for start in starts] == [
        "30 09:00",
        "30 09:30",
        "31 09:00",
        "31 09:30",
    ]
    assert starts[2] == utc(2024, 3, 31, 8)


def test_slots_on_the_london_spring_forward_night_fit_the_one_real_hour() -> None:
    working = working_intervals({6: [hours("01:00", "03:00")]}, LONDON, local_day(LONDON, date(2024, 3, 31)))

    starts = bookable_starts(working=working, busy=[], duration=MINUTES_30, now=LONG_AGO)

    assert starts == [utc(2024, 3, 31, 1), utc(2024, 3, 31, 1, 30)]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"duration": timedelta(0)}, "duration must be positive"),
        ({"step": timedelta(minutes=-15)}, "step must be positive"),
        ({"now": datetime(2024, 1, 8, 9)}, "timezone-aware"),
        ({"min_notice": timedelta(hours=-1)}, "notice cannot be negative"),
        ({"horizon": timedelta(days=-1)}, "horizon cannot be negative"),
    ],
)
def test_nonsense_arguments_are_refused_before_any_work(arguments: dict[str, object], message: str) -> None:
    call: dict[str, object] = {"working": [MORNING], "busy": [], "duration": MINUTES_30, "now": LONG_AGO}
    call.update(arguments)

    with pytest.raises(ValueError, match=message):
        iter_bookable_starts(**call)  # type: ignore[arg-type]
