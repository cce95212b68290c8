"""The mirror's read-time selection (bisect and slices) offers exactly what a slot-by-slot check offers.

A read selects from slots computed once per mirror version: those in its window and filters, past each
slot's own notice and the account's minimum notice, within the booking horizon, and (for timeslot lists)
ending by the window's end. The fast path checks only the slots near the edges one by one; this compares it
with the plain definition on random slot sets, windows, clocks and filters.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from medley.connectors.sync_source import BookingLimits
from medley.sync.reader import ComputedSlots, MirrorSlot, select_offered

ORIGIN = datetime(2031, 3, 3, tzinfo=UTC)
ZONE = ZoneInfo("UTC")
PAIRS = [("r1", "s1"), ("r1", "s2"), ("r2", "s1"), ("r3", "s3")]

slot_strategy = st.builds(
    lambda minute, pair, duration, notice: MirrorSlot(
        start=ORIGIN + timedelta(minutes=5 * minute),
        end=ORIGIN + timedelta(minutes=5 * minute + duration),
        resource_id=pair[0],
        service_id=pair[1],
        notice=timedelta(minutes=notice),
        json=f'"{minute}/{pair[0]}/{pair[1]}"'.encode(),
        day=(ORIGIN + timedelta(minutes=5 * minute)).date(),
        segment=0,
    ),
    minute=st.integers(0, 200),
    pair=st.sampled_from(PAIRS),
    duration=st.sampled_from((15, 30, 60, 90)),
    notice=st.sampled_from((0, 0, 0, 60, 600)),
)


def _plain(
    slots: list[MirrorSlot],
    wanted: set[tuple[str, str]],
    start: datetime,
    end: datetime,
    now: datetime,
    limits: BookingLimits,
    ends_by_end: bool,
) -> list[MirrorSlot]:
    return [
        slot
        for slot in slots
        if start <= slot.start < end
        and slot.start >= now
        and slot.start <= now + limits.horizon
        and (slot.resource_id, slot.service_id) in wanted
        and slot.start >= now + max(slot.notice, limits.min_notice)
        and not (ends_by_end and slot.end > end)
    ]


@settings(max_examples=300, deadline=None)
@given(
    found=st.lists(
        slot_strategy, min_size=20, max_size=120, unique_by=lambda s: (s.start, s.resource_id, s.service_id)
    ),
    start_minutes=st.integers(-100, 1100),
    span_minutes=st.integers(0, 1100),
    now_minutes=st.integers(-700, 1100),
    min_notice=st.sampled_from((0, 30, 240)),
    horizon_days=st.sampled_from((1, 3, 400)),
    # Every combination (the unfiltered read, the fast path) as often as a filter.
    wanted=st.one_of(st.just(set(PAIRS)), st.sets(st.sampled_from(PAIRS), min_size=1)),
    ends_by_end=st.booleans(),
    first_only=st.booleans(),
)
def test_selection_equals_the_slot_by_slot_definition(
    found: list[MirrorSlot],
    start_minutes: int,
    span_minutes: int,
    now_minutes: int,
    min_notice: int,
    horizon_days: int,
    wanted: set[tuple[str, str]],
    ends_by_end: bool,
    first_only: bool,
) -> None:
    slots = sorted(found, key=lambda s: (s.start, s.resource_id, s.service_id))
    computed = ComputedSlots.of(1, date(2031, 3, 2), ZONE, slots, {})
    start = ORIGIN + timedelta(minutes=start_minutes)
    end = start + timedelta(minutes=span_minutes)
    now = ORIGIN + timedelta(minutes=now_minutes)
    limits = BookingLimits(True, timedelta(minutes=min_notice), timedelta(days=horizon_days))

    answer = select_offered(
        computed, wanted, start, end, now, limits, 0.0, ends_by_end=ends_by_end, first_only=first_only
    )

    expected = _plain(slots, wanted, start, end, now, limits, ends_by_end)
    if first_only:
        expected = expected[:1]
    assert answer.found == expected
    assert answer.json() == b"[" + b",".join(slot.json for slot in expected) + b"]"
