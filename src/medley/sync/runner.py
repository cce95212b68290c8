"""The sync of one connection: a full reconcile at start and periodically, incremental reads in between.

Incremental reads ask the EHR for what changed since the watermark (the moment the previous read began,
less an overlap for clock skew and late commits: records read twice are the same version and change
nothing). Reference data (clinics, practitioners, services, booking limits) is read less often. The
reconcile reads the whole booking window again and drops what the EHR no longer holds, which catches what
incremental reads miss and corrects drift. Every call goes through the connector's own client: the same
pagination, retries and request budget as any other call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from medley.config import Settings
from medley.connectors.sync_source import FreeTimeSource, SyncSource
from medley.store.database import Store
from medley.sync import drift, mirror
from medley.sync.free_sync import FreeTimeSync
from medley.sync.mirror import COLD, LIVE, WARMING, MirrorIdentity
from medley.sync.reader import MirrorReader

logger = logging.getLogger("medley.sync")

# Records changed this long before the watermark are read again: covers clock skew between us and the
# EHR and writes that commit after a read began.
WATERMARK_OVERLAP = timedelta(seconds=60)
# The reconcile's window: from a day ago (appointments in progress) to beyond the booking horizon.
PAST_MARGIN = timedelta(days=1)
FUTURE_MARGIN = timedelta(days=2)


class ConnectionSync:
    """Keeps one connection's mirror current; ``cycle`` does whatever is due now."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        identity: MirrorIdentity,
        source: SyncSource,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        usage: Callable[[], dict[str, int]] = dict,
    ) -> None:
        self._store = store
        self._settings = settings
        self.identity = identity
        self._source = source
        self._now = clock
        self._usage = usage
        self._reader = MirrorReader(store, settings)
        self._sampled_at: datetime | None = None
        # An EHR that computes availability itself (Acuity): the mirror keeps its answers (``free_sync.py``).
        self._free_times = (
            FreeTimeSync(store, settings, identity.connection_id, source, clock)
            if isinstance(source, FreeTimeSource)
            else None
        )

    async def cycle(self) -> str:
        """Run the sync that is due (reconcile or incremental); returns which one ran."""
        row = await mirror.load_mirror(self._store, self.identity.connection_id)
        if row is None:
            await mirror.ensure_mirror(self._store, self.identity)
            row = await mirror.load_mirror(self._store, self.identity.connection_id)
            if row is None:
                return "gone"  # the connection was removed
        now = self._now()
        reconcile_due = (
            row.state != LIVE
            or row.reconciled_at is None
            or (now - row.reconciled_at).total_seconds() >= self._settings.sync_reconcile_seconds
        )
        try:
            if reconcile_due:
                await self.reconcile(announce=row.state == LIVE)
                return "reconcile"
            await self.incremental(
                row.bookings_watermark, row.blocks_watermark, row.hours_watermark, row.reference_synced_at
            )
            if await self._sample_due(now) and not await drift.sample(
                self._store, self._reader, self._source, self.identity.connection_id, self._now()
            ):
                await mirror.set_state(self._store, self.identity.connection_id, reconciled_at=None)
            return "incremental"
        except Exception as error:  # any failure is recorded and retried next cycle
            await self._failed(error)
            raise

    async def reconcile(self, *, announce: bool) -> None:
        started = self._now()
        cid = self.identity.connection_id
        if not announce:
            await mirror.set_state(self._store, cid, state=WARMING)
        reference = await self._source.read_reference()
        await mirror.replace_reference(self._store, cid, reference, started)
        await mirror.replace_working_hours(self._store, cid, await self._source.read_working_hours(), started)
        not_before = started - PAST_MARGIN
        openings = await self._source.read_openings(changed_since=None, not_before=not_before)
        await mirror.apply_openings(self._store, cid, openings, replace_from=not_before)
        end = started + reference.limits.horizon + FUTURE_MARGIN
        bookings = await self._source.read_bookings(changed_since=None, start=not_before, end=end)
        await mirror.apply_bookings(self._store, self.identity, bookings, announce=announce, read_at=started)
        await mirror.remove_missing_bookings(
            self._store, self.identity, bookings, start=not_before, end=end, read_started=started, announce=announce
        )
        await mirror.set_state(
            self._store,
            cid,
            state=LIVE,
            reconciled_at=started,
            synced_at=started,
            bookings_watermark=started,
            blocks_watermark=started,
            hours_watermark=started,
            last_error=None,
            last_error_at=None,
            budget_usage=self._usage(),
            free_times=self._free_times is not None,
        )
        logger.info("sync: connection %s reconciled (%d bookings in the window)", cid, len(bookings))
        if self._free_times is not None:
            # After the state: a first reconcile makes the mirror live for events while its free days warm up
            # (reads are answered only for the days it holds). A later one reads the days it marked before
            # the data's age moves on.
            await self._free_times.cycle()
            if announce:
                await mirror.set_state(self._store, cid, synced_at=started)

    async def incremental(
        self,
        bookings_since: datetime | None,
        blocks_since: datetime | None,
        hours_since: datetime | None,
        reference_at: datetime | None,
    ) -> None:
        started = self._now()
        cid = self.identity.connection_id
        values: dict[str, object] = {}
        if reference_at is None or (started - reference_at).total_seconds() >= self._settings.sync_reference_seconds:
            await mirror.replace_reference(self._store, cid, await self._source.read_reference(), started)
        since = (bookings_since or started) - WATERMARK_OVERLAP
        changed = await self._source.read_bookings(changed_since=since, start=since, end=started)
        await mirror.apply_bookings(self._store, self.identity, changed, announce=True, read_at=started)
        if isinstance(self._source, FreeTimeSource):
            # Its incremental read is a whole window: what it no longer holds was deleted (a block removed).
            first, last = self._source.booking_window(started)
            await mirror.remove_missing_bookings(
                self._store, self.identity, changed, start=first, end=last, read_started=started, announce=True
            )
        values["bookings_watermark"] = started
        since = (blocks_since or started) - WATERMARK_OVERLAP
        openings = await self._source.read_openings(changed_since=since, not_before=since)
        await mirror.apply_openings(self._store, cid, openings)
        values["blocks_watermark"] = started
        since = (hours_since or started) - WATERMARK_OVERLAP
        if await self._hours_changed(since):
            await mirror.replace_working_hours(self._store, cid, await self._source.read_working_hours(), started)
        if self._free_times is not None:
            await self._free_times.cycle()
        await mirror.set_state(
            self._store,
            cid,
            synced_at=started,
            last_error=None,
            last_error_at=None,
            budget_usage=self._usage(),
            **values,
        )

    async def _sample_due(self, now: datetime) -> bool:
        """One upstream call every ``sync_sample_seconds``, in the sync's own lane of the budget."""
        every = self._settings.sync_sample_seconds
        if every <= 0 or (self._sampled_at is not None and (now - self._sampled_at).total_seconds() < every):
            return False
        self._sampled_at = now
        return True

    async def _hours_changed(self, since: datetime) -> bool:
        check = getattr(self._source, "working_hours_changed", None)
        if check is None:
            return True
        return bool(await check(since))

    async def _failed(self, error: Exception) -> None:
        # Ids and error kinds only: an upstream message may echo request data.
        detail = getattr(error, "detail", None) or type(error).__name__
        message = f"{type(error).__name__}: {detail}"[:500]
        logger.warning("sync: connection %s failed: %s", self.identity.connection_id, type(error).__name__)
        try:
            row = await mirror.load_mirror(self._store, self.identity.connection_id)
            values: dict[str, object] = {"last_error": message, "last_error_at": self._now()}
            if row is not None and row.state == WARMING:
                values["state"] = COLD
            await mirror.set_state(self._store, self.identity.connection_id, **values)
        except Exception:  # the store may be the thing that failed
            logger.warning("sync: could not record the failure of connection %s", self.identity.connection_id)
