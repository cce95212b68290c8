"""Weekly wall-clock hours to UTC working intervals: breaks, overrides, extra hours and DST."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from medley.scheduling import DateOverride, Interval, WorkingPeriod, to_instant, working_intervals
from tests.scheduling.clock import LONDON, SYDNEY, hours, local_day, span, utc

WEEKDAYS_NINE_TO_FIVE = {weekday: [hours("09:00", "17:00")] for weekday in range(5)}
UTC_ZONE = ZoneInfo("UTC")

# Week of Monday 8 January 2024, a week without any clock change.
JAN_WEEK = span(utc(2024, 1, 8), utc(2024, 1, 15))


def test_weekdays_only_and_weekend_off() -> None:
    working = working_intervals(WEEKDAYS_NINE_TO_FIVE, UTC_ZONE, JAN_WEEK)

    assert working == [span(utc(2024, 1, day, 9), utc(2024, 1, day, 17)) for day in range(8, 13)]


def test_lunch_break_splits_the_day() -> None:
    weekly = {0: [hours("13:30", "17:00"), hours("09:00", "12:30")]}

    working = working_intervals(weekly, UTC_ZONE, JAN_WEEK)

    assert working == [
        span(utc(2024, 1, 8, 9), utc(2024, 1, 8, 12, 30)),
        span(utc(2024, 1, 8, 13, 30), utc(2024, 1, 8, 17)),
    ]


def test_local_hours_become_utc_instants() -> None:
    # Sydney is UTC+11 in January (daylight time): Monday 09:00 local is Sunday 22:00 UTC.
    working = working_intervals(
        {0: [hours("09:00", "17:00")]}, SYDNEY, span(utc(2024, 1, 7), utc(2024, 1, 9))
    )

    assert working == [span(utc(2024, 1, 7, 22), utc(2024, 1, 8, 6))]


def test_result_is_clipped_to_the_window() -> None:
    window = span(utc(2024, 1, 8, 10), utc(2024, 1, 9, 12))

    working = working_intervals(WEEKDAYS_NINE_TO_FIVE, UTC_ZONE, window)

    assert working == [
        span(utc(2024, 1, 8, 10), utc(2024, 1, 8, 17)),
        span(utc(2024, 1, 9, 9), utc(2024, 1, 9, 12)),
    ]


def test_override_with_no_periods_is_a_day_off() -> None:
    holiday = DateOverride(day=date(2024, 1, 10), periods=())

    working = working_intervals(WEEKDAYS_NINE_TO_FIVE, UTC_ZONE, JAN_WEEK, overrides=[holiday])

    assert span(utc(2024, 1, 10, 9), utc(2024, 1, 10, 17)) not in working
    assert len(working) == 4


def test_override_replaces_the_weekly_hours_of_its_date_only() -> None:
    short_day = DateOverride(day=date(2024, 1, 9), periods=[hours("10:00", "12:00")])
    saturday_clinic = DateOverride(day=date(2024, 1, 13), periods=[hours("08:00", "11:00")])

    working = working_intervals(
        WEEKDAYS_NINE_TO_FIVE, UTC_ZONE, JAN_WEEK, overrides=[short_day, saturday_clinic]
    )

    assert span(utc(2024, 1, 9, 10), utc(2024, 1, 9, 12)) in working
    assert span(utc(2024, 1, 13, 8), utc(2024, 1, 13, 11)) in working
    assert span(utc(2024, 1, 8, 9), utc(2024, 1, 8, 17)) in working
    assert len(working) == 6


def test_extra_hours_are_added_merged_and_clipped() -> None:
    window = span(utc(2024, 1, 8), utc(2024, 1, 10, 20))
    extra = [
        span(utc(2024, 1, 8, 17), utc(2024, 1, 8, 19)),  # stays late on Monday: joins the day
        span(utc(2024, 1, 10, 19), utc(2024, 1, 10, 22)),  # evening clinic, runs past the window
    ]

    working = working_intervals({0: [hours("09:00", "17:00")]}, UTC_ZONE, window, extra=extra)

    assert working == [
        span(utc(2024, 1, 8, 9), utc(2024, 1, 8, 19)),
        span(utc(2024, 1, 10, 19), utc(2024, 1, 10, 20)),
    ]


def test_period_ending_at_midnight_joins_the_next_mornings_hours() -> None:
    weekly = {0: [hours("18:00", "00:00")], 1: [hours("00:00", "02:00")]}

    working = working_intervals(weekly, UTC_ZONE, JAN_WEEK)

    assert working == [span(utc(2024, 1, 8, 18), utc(2024, 1, 9, 2))]


def test_overlapping_periods_on_one_day_are_merged() -> None:
    weekly = {0: [hours("09:00", "13:00"), hours("12:00", "17:00")]}

    assert working_intervals(weekly, UTC_ZONE, JAN_WEEK) == [span(utc(2024, 1, 8, 9), utc(2024, 1, 8, 17))]


@pytest.mark.parametrize(("start", "end"), [("22:00", "02:00"), ("09:00", "09:00"), ("17:00", "09:00")])
def test_working_period_must_end_after_it_starts_on_the_same_day(start: str, end: str) -> None:
    with pytest.raises(ValueError, match="end after it starts"):
        hours(start, end)


def test_working_period_is_wall_clock_time_without_a_zone() -> None:
    with pytest.raises(ValueError, match="wall-clock"):
        WorkingPeriod(time(9, tzinfo=SYDNEY), time(17))


def test_weekday_keys_outside_monday_to_sunday_are_refused() -> None:
    # ISO numbering (7 = Sunday) is a likely mix-up with Cliniko's day_of_week.
    with pytest.raises(ValueError, match="Weekday keys"):
        working_intervals({7: [hours("09:00", "17:00")]}, UTC_ZONE, JAN_WEEK)


def test_two_overrides_for_one_date_are_refused() -> None:
    overrides = [
        DateOverride(date(2024, 1, 9), ()),
        DateOverride(date(2024, 1, 9), [hours("09:00", "10:00")]),
    ]

    with pytest.raises(ValueError, match="Two overrides"):
        working_intervals(WEEKDAYS_NINE_TO_FIVE, UTC_ZONE, JAN_WEEK, overrides=overrides)


# --- DST: Europe/London changes at 01:00 UTC on the last Sunday of March and October. ---


def test_london_nine_to_five_keeps_local_hours_across_spring_forward() -> None:
    # Friday 29 March 2024 is GMT (UTC+0); Monday 1 April is BST (UTC+1).
    window = span(utc(2024, 3, 29), utc(2024, 4, 2))

    working = working_intervals(WEEKDAYS_NINE_TO_FIVE, LONDON, window)

    assert working == [
        span(utc(2024, 3, 29, 9), utc(2024, 3, 29, 17)),
        span(utc(2024, 4, 1, 8), utc(2024, 4, 1, 16)),
    ]


def test_london_spring_forward_night_loses_the_missing_hour() -> None:
    # 31 March 2024: 01:00 GMT jumps to 02:00 BST, so 01:00-02:00 never happens.
    night = date(2024, 3, 31)
    weekly = {6: [hours("01:00", "03:00")]}

    working = working_intervals(weekly, LONDON, local_day(LONDON, night))

    # Starts when the clocks jump (01:00 UTC = 02:00 BST), ends 03:00 BST: one real hour.
    assert working == [span(utc(2024, 3, 31, 1), utc(2024, 3, 31, 2))]


def test_london_period_inside_the_spring_gap_vanishes() -> None:
    weekly = {6: [hours("01:15", "01:45")]}

    assert working_intervals(weekly, LONDON, local_day(LONDON, date(2024, 3, 31))) == []


def test_london_fall_back_night_works_the_real_three_hours() -> None:
    # 27 October 2024: 02:00 BST falls back to 01:00 GMT, so 01:00-02:00 happens twice.
    weekly = {6: [hours("01:00", "03:00")]}

    working = working_intervals(weekly, LONDON, local_day(LONDON, date(2024, 10, 27)))

    # 01:00 takes its first occurrence (BST, 00:00 UTC); 03:00 GMT is 03:00 UTC.
    assert working == [span(utc(2024, 10, 27, 0), utc(2024, 10, 27, 3))]


def test_london_period_inside_the_repeated_hour_takes_the_first_pass() -> None:
    weekly = {6: [hours("01:15", "01:45")]}

    working = working_intervals(weekly, LONDON, local_day(LONDON, date(2024, 10, 27)))

    assert working == [span(utc(2024, 10, 27, 0, 15), utc(2024, 10, 27, 0, 45))]


def test_london_nine_to_five_keeps_local_hours_across_fall_back() -> None:
    window = span(utc(2024, 10, 25), utc(2024, 10, 29))

    working = working_intervals(WEEKDAYS_NINE_TO_FIVE, LONDON, window)

    assert working == [
        span(utc(2024, 10, 25, 8), utc(2024, 10, 25, 16)),  # BST
        span(utc(2024, 10, 28, 9), utc(2024, 10, 28, 17)),  # GMT
    ]


# --- DST: Australia/Sydney changes on the first Sunday of April and of October. ---


def test_sydney_nine_to_five_keeps_local_hours_across_april_fall_back() -> None:
    # Sat 6 April 2024 is AEDT (UTC+11); Sun 7 April and Mon 8 April are AEST (UTC+10).
    every_day = {weekday: [hours("09:00", "17:00")] for weekday in range(7)}
    window = span(utc(2024, 4, 5, 12), utc(2024, 4, 8, 12))

    working = working_intervals(every_day, SYDNEY, window)

    assert working == [
        span(utc(2024, 4, 5, 22), utc(2024, 4, 6, 6)),
        span(utc(2024, 4, 6, 23), utc(2024, 4, 7, 7)),
        span(utc(2024, 4, 7, 23), utc(2024, 4, 8, 7)),
    ]


def test_sydney_april_fall_back_night_01_to_03() -> None:
    # 7 April 2024: 03:00 AEDT falls back to 02:00 AEST, so 02:00-03:00 happens twice.
    weekly = {6: [hours("01:00", "03:00"), hours("05:00", "06:00")]}

    working = working_intervals(weekly, SYDNEY, local_day(SYDNEY, date(2024, 4, 7)))

    assert working == [
        span(utc(2024, 4, 6, 14), utc(2024, 4, 6, 17)),  # 01:00 AEDT to 03:00 AEST: three real hours
        span(utc(2024, 4, 6, 19), utc(2024, 4, 6, 20)),  # after the change, plain AEST
    ]


def test_sydney_period_ending_in_the_repeated_hour_ends_at_its_first_pass() -> None:
    weekly = {6: [hours("01:00", "02:30")]}

    working = working_intervals(weekly, SYDNEY, local_day(SYDNEY, date(2024, 4, 7)))

    assert working == [span(utc(2024, 4, 6, 14), utc(2024, 4, 6, 15, 30))]


def test_sydney_october_spring_forward_night_01_to_03() -> None:
    # 6 October 2024: 02:00 AEST jumps to 03:00 AEDT, so 02:00-03:00 never happens.
    weekly = {6: [hours("01:00", "03:00"), hours("02:30", "04:00")]}

    working = working_intervals(weekly, SYDNEY, local_day(SYDNEY, date(2024, 10, 6)))

    # 01:00 AEST = 15:00 UTC; 03:00 AEDT = 16:00 UTC; 02:30 moves to the jump (16:00 UTC); 04:00 AEDT = 17:00.
    assert working == [span(utc(2024, 10, 5, 15), utc(2024, 10, 5, 17))]


def test_sydney_nine_to_five_keeps_local_hours_across_october_spring_forward() -> None:
    window = span(utc(2024, 10, 3, 12), utc(2024, 10, 7, 12))

    working = working_intervals(WEEKDAYS_NINE_TO_FIVE, SYDNEY, window)

    assert working == [
        span(utc(2024, 10, 3, 23), utc(2024, 10, 4, 7)),  # Friday, AEST (UTC+10)
        span(utc(2024, 10, 6, 22), utc(2024, 10, 7, 6)),  # Monday, AEDT (UTC+11)
    ]


def test_midnight_inside_a_gap_starts_the_day_when_the_clocks_jump() -> None:
    # Chile springs forward at midnight: on 8 September 2024 local time goes from 23:59:59 to 01:00.
    santiago = ZoneInfo("America/Santiago")
    weekly = {5: [hours("18:00", "00:00")], 6: [hours("00:00", "02:00")]}
    window = span(utc(2024, 9, 7), utc(2024, 9, 9))

    working = working_intervals(weekly, santiago, window)

    # Saturday 18:00 -04 = 22:00 UTC, through the jump at 04:00 UTC, to Sunday 02:00 -03 = 05:00 UTC.
    assert working == [span(utc(2024, 9, 7, 22), utc(2024, 9, 8, 5))]
    assert to_instant(date(2024, 9, 8), time(0, 30), santiago) == utc(2024, 9, 8, 4)


def test_to_instant_keeps_seconds_and_microseconds_of_ordinary_times() -> None:
    instant = to_instant(date(2024, 1, 8), time(9, 15, 30, 250), LONDON)

    assert instant == utc(2024, 1, 8, 9, 15) + timedelta(seconds=30, microseconds=250)


def test_window_boundaries_in_another_zone_are_read_as_instants() -> None:
    # The window is given in Sydney time; the practitioner works in London.
    window = Interval(local_day(SYDNEY, date(2024, 1, 9)).start, local_day(SYDNEY, date(2024, 1, 10)).start)

    working = working_intervals(WEEKDAYS_NINE_TO_FIVE, LONDON, window)

    # Sydney's 9 January is 13:00 UTC on the 8th to 13:00 UTC on the 9th.
    assert working == [
        span(utc(2024, 1, 8, 13), utc(2024, 1, 8, 17)),
        span(utc(2024, 1, 9, 9), utc(2024, 1, 9, 13)),
    ]
