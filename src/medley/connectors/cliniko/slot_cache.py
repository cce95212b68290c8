"""A short-lived memory of Cliniko's ``available_times`` answers.

An unfiltered timeslot query costs practitioners x types x 7-day windows upstream calls, against a budget
of 200 calls a minute per Cliniko user: without this memory a booking widget refreshing its calendar would
spend the budget in a few refreshes. Reads may be up to ``ttl`` seconds stale for bookings made outside
this process; our own appointment writes clear it at once, and the booking re-check always bypasses it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import date, datetime

SlotKey = tuple[str, str, str, date, date]  # (business, practitioner, type, from, to)
Starts = list[datetime] | None  # None: the pair is not bookable online


class SlotCache:
    def __init__(self, ttl_seconds: float, max_entries: int = 5000) -> None:
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._entries: OrderedDict[SlotKey, tuple[Starts, float]] = OrderedDict()

    async def get_or_load(self, key: SlotKey, load: Callable[[], Awaitable[Starts]], *, fresh: bool) -> Starts:
        now = time.monotonic()
        if not fresh and self._ttl > 0:
            hit = self._entries.get(key)
            if hit is not None and hit[1] > now:
                return hit[0]
        starts = await load()
        if self._ttl > 0:
            self._entries[key] = (starts, now + self._ttl)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return starts

    def clear(self) -> None:
        """Forget everything: called after each of our own appointment writes."""
        self._entries.clear()
