"""Keeping the EHR's own free days current (``free_days.py``), one sync cycle at a time.

Each cycle, in order:

1. the days marked dirty (a booking or block on them changed: seen by the sync, pushed by the EHR, or our own
   write), one availability read each, whatever the budget;
2. today's days, once they are older than half the mirror's allowed staleness: the EHR's minimum notice takes
   today's earliest starts away as time passes, and it does not say by how much;
3. while the sync's lane of the budget has room and the cycle has time left: the days of the horizon not held
   yet, nearest month first (a month of a service is read as one ``dates`` call plus one ``times`` call per
   day with time; a month of classes as one call), then the days read longest ago, so that a change the EHR
   does not report (hours, date edits, a service's settings, the edge of its booking horizon) shows within
   ``Settings.mirror_free_time_refresh_seconds``.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from medley.config import Settings
from medley.connectors.sync_source import FreeOffering, FreeTimeSource
from medley.store.database import Store
from medley.sync import free_days
from medley.sync.free_days import StoredDay

logger = logging.getLogger("medley.sync")

_DIRTY_BATCH = 40


class FreeTimeSync:
    """Keeps one connection's free days current through the connector's ``FreeTimeSource``."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        connection_id: str,
        source: FreeTimeSource,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._settings = settings
        self._connection_id = connection_id
        self._source = source
        self._now = clock

    async def cycle(self) -> int:
        """Do this cycle's reads; returns how many offering days were read."""
        started_clock = time.monotonic()
        offerings = await self._source.free_offerings()
        now = self._now()
        horizon = {o.key: _horizon(o, now, self._settings.mirror_free_time_days) for o in offerings}
        earliest = min((days[0] for days in horizon.values()), default=now.date())
        await free_days.drop_days(
            self._store, self._connection_id, before=earliest - timedelta(days=1), offered=set(horizon)
        )
        stored = await free_days.stored_days(self._store, self._connection_id)
        read = 0
        # 1 and 2: dirty days, and today's once half as old as the mirror may get.
        half_stale = timedelta(seconds=self._settings.mirror_max_staleness_seconds / 2)
        urgent: list[tuple[FreeOffering, date]] = []
        for offering in offerings:
            days = horizon[offering.key]
            for day in days:
                held = stored.get((*offering.key, day))
                if held is None:
                    continue
                if held.dirty_since is not None or (day == days[0] and now - held.read_at >= half_stale):
                    urgent.append((offering, day))
        for offset in range(0, len(urgent), _DIRTY_BATCH):
            batch = urgent[offset : offset + _DIRTY_BATCH]
            began = self._now()
            await free_days.store_days(
                self._store, self._connection_id, await self._source.read_free_days(batch), began
            )
            read += len(batch)
        # 3: what is missing, then what is oldest, while the budget and the cycle allow.
        budget_seconds = max(1.0, self._settings.sync_interval_seconds)
        for offerings_of_unit, month, first, last in self._background(offerings, horizon, stored, now):
            if time.monotonic() - started_clock > budget_seconds or await self._source.budget_headroom() <= 0:
                break
            began = self._now()
            found = await self._source.read_free_month(offerings_of_unit, month, first, last)
            await free_days.store_days(self._store, self._connection_id, found, began)
            read += len(found)
        return read

    def _background(
        self,
        offerings: Sequence[FreeOffering],
        horizon: dict[tuple[str, str, str], list[date]],
        stored: dict[tuple[str, str, str, date], StoredDay],
        now: datetime,
    ) -> list[tuple[list[FreeOffering], date, date, date]]:
        """Units of (offerings, month, first day, last day): missing months nearest first, then stale ones
        oldest first. A unit is one service, or every class of one zone (read together)."""
        refresh = timedelta(seconds=self._settings.mirror_free_time_refresh_seconds)
        missing: dict[tuple[date, tuple[str, ...]], list[FreeOffering]] = defaultdict(list)
        stale: dict[tuple[date, tuple[str, ...]], tuple[datetime, list[FreeOffering]]] = {}
        span: dict[tuple[date, tuple[str, ...]], tuple[date, date]] = {}
        for offering in offerings:
            unit = ("classes", offering.time_zone) if offering.is_class else offering.key
            for month, days in _months(horizon[offering.key]).items():
                key = (month, tuple(unit))
                first, last = span.get(key, (days[0], days[-1]))
                span[key] = (min(first, days[0]), max(last, days[-1]))
                held = [stored.get((*offering.key, day)) for day in days]
                if any(h is None for h in held):
                    if offering not in missing[key]:
                        missing[key].append(offering)
                    continue
                oldest = min(h.read_at for h in held if h is not None)
                if now - oldest >= refresh:
                    previous = stale.get(key)
                    members = [*previous[1], offering] if previous else [offering]
                    stale[key] = (min(oldest, previous[0]) if previous else oldest, members)
        units = [(members, key[0], *span[key]) for key, members in sorted(missing.items(), key=lambda i: i[0][0])]
        units += [
            (members, key[0], *span[key]) for key, (_, members) in sorted(stale.items(), key=lambda i: i[1][0])
        ]
        return units


def _horizon(offering: FreeOffering, now: datetime, days: int) -> list[date]:
    today = now.astimezone(ZoneInfo(offering.time_zone)).date()
    return [today + timedelta(days=n) for n in range(max(1, days))]


def _months(days: Sequence[date]) -> dict[date, list[date]]:
    grouped: dict[date, list[date]] = defaultdict(list)
    for day in days:
        grouped[day.replace(day=1)].append(day)
    return grouped
