"""What ``medley sync status`` shows: per connection, the mirror's state, freshness, budget use and errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from medley.store.database import Store
from medley.store.tables import ApplicationRow, ConnectionRow, MirrorConnectionRow


@dataclass(frozen=True, slots=True)
class SyncStatus:
    connection_id: str
    application: str  # the application's client id
    emr: str
    kind: str
    state: str  # cold, warming, live (or "not synced" for a connection no process has picked up)
    synced_at: datetime | None
    lag_seconds: float | None
    reconciled_at: datetime | None
    budget_usage: dict[str, int]
    holder: str | None
    last_error: str | None
    last_error_at: datetime | None


async def sync_statuses(store: Store) -> list[SyncStatus]:
    now = datetime.now(UTC)
    async with store.sessions() as session:
        rows = await session.execute(
            select(ConnectionRow, ApplicationRow.client_id, MirrorConnectionRow)
            .join(ApplicationRow, ApplicationRow.id == ConnectionRow.application_id)
            .outerjoin(MirrorConnectionRow, MirrorConnectionRow.connection_id == ConnectionRow.id)
            .order_by(ApplicationRow.client_id, ConnectionRow.emr)
        )
        statuses = []
        for connection, client_id, mirror in rows:
            synced_at = mirror.synced_at if mirror is not None else None
            holder = None
            if mirror is not None and mirror.lease_expires_at is not None and mirror.lease_expires_at > now:
                holder = mirror.lease_holder
            statuses.append(
                SyncStatus(
                    connection_id=connection.id,
                    application=client_id,
                    emr=connection.emr,
                    kind=connection.kind,
                    state=mirror.state if mirror is not None else "not synced",
                    synced_at=synced_at,
                    lag_seconds=(now - synced_at).total_seconds() if synced_at is not None else None,
                    reconciled_at=mirror.reconciled_at if mirror is not None else None,
                    budget_usage={str(k): int(v) for k, v in ((mirror.budget_usage or {}) if mirror else {}).items()},
                    holder=holder,
                    last_error=mirror.last_error if mirror is not None else None,
                    last_error_at=mirror.last_error_at if mirror is not None else None,
                )
            )
        return statuses
