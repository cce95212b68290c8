"""One syncer per connection: a lease on the mirror row, taken by compare-and-swap in the shared store.

``UPDATE … WHERE lease_holder IS NULL OR lease_holder = me OR lease_expires_at < now`` is atomic on
PostgreSQL (a row lock) and on SQLite (one writer), so of several processes exactly one holds a
connection; a holder killed with ``kill -9`` stops renewing and is replaced once its lease expires.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, update

from medley.store.database import Store
from medley.store.tables import MirrorConnectionRow


async def claim(store: Store, connection_id: str, holder: str, seconds: float) -> bool:
    """Take or renew the lease; False when another live holder has it."""
    now = datetime.now(UTC)
    async with store.sessions() as session, session.begin():
        result = await session.execute(
            update(MirrorConnectionRow)
            .where(
                MirrorConnectionRow.connection_id == connection_id,
                or_(
                    MirrorConnectionRow.lease_holder.is_(None),
                    MirrorConnectionRow.lease_holder == holder,
                    MirrorConnectionRow.lease_expires_at < now,
                ),
            )
            .values(lease_holder=holder, lease_expires_at=now + timedelta(seconds=seconds))
        )
    return bool(getattr(result, "rowcount", 0) == 1)


async def release(store: Store, connection_id: str, holder: str) -> None:
    async with store.sessions() as session, session.begin():
        await session.execute(
            update(MirrorConnectionRow)
            .where(MirrorConnectionRow.connection_id == connection_id, MirrorConnectionRow.lease_holder == holder)
            .values(lease_holder=None, lease_expires_at=None)
        )
