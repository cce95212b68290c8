"""Keeping the EHR's own free days current (``free_days.py``), one sync cycle at a time.

Each cycle, in order:

1. the days marked dirty (a booking or block on them changed: seen by the sync, pushed by the EHR, or our own
   write), one availability read each, whatever the budget;
2. today's days, once they are older than half the mirror's allowed staleness: the EHR's minimum notice takes
   today's earliest starts away as time passes, and it does not say by how much;
3. the days of the horizon not held yet, nearest first, then the days read longest ago, so that a change the
   EHR does not report (hours, date edits, a service's settings, the edge of its booking horizon) shows within
   ``Settings.mirror_free_time_refresh_seconds``: while the budget is idle (room beyond the sync's own share)
   and the cycle has time left, by months (a month of a service is one ``dates`` call plus one ``times`` call
   per day with time; a month of classes one call); while others need the budget, a few days a cycle, one
   call each, in the sync's own share.
"""

from __future__ import annotations

import asyncio
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
# Background reads go on while the budget has room for more than the sync's share while others send (Acuity:
# 1 of 10 a second): that much room means nobody else needs it now.
_IDLE_HEADROOM = 2
_IDLE_CHECKS = 3
_IDLE_CHECK_SECONDS = 0.5


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
        # 3: what is missing, then what is oldest: by months while the budget is idle, else a few days in the
        # sync's own share (so the refresh period holds under load too), within the cycle's time.
        budget_seconds = max(1.0, self._settings.sync_interval_seconds)
        if not await self._budget_idle():
            few = self._overdue_days(offerings, horizon, stored, now)[: max(1, int(budget_seconds / 2))]
            if few:
                began = self._now()
                await free_days.store_days(
                    self._store, self._connection_id, await self._source.read_free_days(few), began
                )
            return read + len(few)
        for offerings_of_unit, month, first, last in self._background(offerings, horizon, stored, now):
            if time.monotonic() - started_clock > budget_seconds or not await self._budget_idle():
                break
            began = self._now()
            found = await self._source.read_free_month(offerings_of_unit, month, first, last)
            await free_days.store_days(self._store, self._connection_id, found, began)
            read += len(found)
        return read

    def _overdue_days(
        self,
        offerings: Sequence[FreeOffering],
        horizon: dict[tuple[str, str, str], list[date]],
        stored: dict[tuple[str, str, str, date], StoredDay],
        now: datetime,
    ) -> list[tuple[FreeOffering, date]]:
        """Days not held, nearest first, then days older than the refresh period, oldest first."""
        refresh = timedelta(seconds=self._settings.mirror_free_time_refresh_seconds)
        missing: list[tuple[date, FreeOffering]] = []
        overdue: list[tuple[datetime, FreeOffering, date]] = []
        for offering in offerings:
            for day in horizon[offering.key]:
                held = stored.get((*offering.key, day))
                if held is None:
                    missing.append((day, offering))
                elif now - held.read_at >= refresh:
                    overdue.append((held.read_at, offering, day))
        missing.sort(key=lambda item: item[0])
        overdue.sort(key=lambda item: item[0])
        return [(o, d) for d, o in missing] + [(o, d) for _, o, d in overdue]

    async def _budget_idle(self) -> bool:
        """Whether the budget has room beyond the sync's own share (nobody else needs it now). The window
        slides: room used by the previous unit comes back within a second."""
        for _ in range(_IDLE_CHECKS):
            if await self._source.budget_headroom() >= _IDLE_HEADROOM:
                return True
            await asyncio.sleep(_IDLE_CHECK_SECONDS)
        return False

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
