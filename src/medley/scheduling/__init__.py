"""Pure slot arithmetic: working hours, breaks and bookings to free time and bookable starts.

No I/O and nothing else of Medley's: intervals and a time zone in, intervals and instants out.
"""

from medley.scheduling.intervals import Interval, intersect, merge, subtract
from medley.scheduling.online_limits import capped_per_day_segment, day_segment, days_at_limit, outside_full_days
from medley.scheduling.slots import (
    SLOT_GRANULARITY_DEFAULT,
    bookable_starts,
    free_intervals,
    iter_bookable_starts,
)
from medley.scheduling.working_hours import (
    DateOverride,
    WeeklyHours,
    WorkingPeriod,
    to_instant,
    working_intervals,
)

__all__ = [
    "SLOT_GRANULARITY_DEFAULT",
    "DateOverride",
    "Interval",
    "WeeklyHours",
    "WorkingPeriod",
    "bookable_starts",
    "capped_per_day_segment",
    "day_segment",
    "days_at_limit",
    "free_intervals",
    "intersect",
    "iter_bookable_starts",
    "merge",
    "outside_full_days",
    "subtract",
    "to_instant",
    "working_intervals",
]
