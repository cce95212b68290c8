"""Drift checks: now and then the sync asks the EHR's own availability for one random combination and
week, and compares it with what the mirror computes. A difference means the mirror is missing something
(a change incremental reads did not see, or a rule of the EHR's that the mirror does not know): it is
counted (``medley_mirror_drift_total``), logged with ids and times only, and the next cycle reconciles.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from medley.connectors.sync_source import SyncSource
from medley.metrics import MIRROR_DRIFT
from medley.scheduling import to_instant
from medley.store.database import Store
from medley.store.tables import MirrorOfferingRow
from medley.sync.reader import MirrorReader

logger = logging.getLogger("medley.sync")

SAMPLE_DAYS = 7
_AHEAD_DAYS = 28
# A slot a few minutes from now may pass its notice between the two reads: it is not compared.
_IMMINENT = timedelta(minutes=5)


async def sample(store: Store, reader: MirrorReader, source: SyncSource, connection_id: str, now: datetime) -> bool:
    """Compare one random combination and week; True when the EHR and the mirror agree (or nothing to compare)."""
    async with store.sessions() as session:
        offerings = (
            await session.scalars(select(MirrorOfferingRow).where(MirrorOfferingRow.connection_id == connection_id))
        ).all()
    if not offerings:
        return True
    rng = random.SystemRandom()
    offering = rng.choice(offerings)
    zone = ZoneInfo(offering.time_zone)
    first_day = now.astimezone(zone).date() + timedelta(days=rng.randint(0, _AHEAD_DAYS))
    last_day = first_day + timedelta(days=SAMPLE_DAYS - 1)
    starts = await source.sample_available_times(
        offering.care_unit_id, offering.resource_id, offering.service_id, first_day, last_day
    )
    answer = await reader.timeslots(
        connection_id,
        offering.care_unit_id,
        [(offering.resource_id, offering.service_id)],
        to_instant(first_day, time(0), zone),
        to_instant(last_day + timedelta(days=1), time(0), zone),
        ends_by_end=False,
    )
    if answer is None:
        return True  # the mirror does not answer now: nothing to compare
    soon = datetime.now(now.tzinfo) + _IMMINENT
    ehr = {start for start in starts or () if start > soon}
    mirrored = {slot.start for slot in answer.found if slot.start > soon}
    if ehr == mirrored:
        return True
    MIRROR_DRIFT.labels(connection_id).inc()
    only_ehr = sorted(ehr - mirrored)[:3]
    only_mirror = sorted(mirrored - ehr)[:3]
    logger.warning(
        "sync: drift on connection %s (care unit %s, resource %s, service %s, %s..%s): only in the EHR %s, "
        "only in the mirror %s; reconciling",
        connection_id,
        offering.care_unit_id,
        offering.resource_id,
        offering.service_id,
        first_day,
        last_day,
        [s.isoformat() for s in only_ehr],
        [s.isoformat() for s in only_mirror],
    )
    return False
