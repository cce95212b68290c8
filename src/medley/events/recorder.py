"""Record an event in the caller's transaction (the outbox pattern), with the deliveries it owes.

A change and the event about it commit together or not at all. The unique key on (connection, record,
version) makes a second sighting of one change a no-op: ``INSERT … ON CONFLICT DO NOTHING`` leaves the
caller's transaction intact, where a caught ``IntegrityError`` would have aborted it on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from medley.events.changes import EventType
from medley.events.ids import new_event_id, new_id
from medley.events.subscriptions import matches
from medley.events.wakeup import notify_after_commit
from medley.store.tables import EventRow, WebhookDeliveryRow, WebhookSubscriptionRow


async def record_event(
    session: AsyncSession,
    *,
    application_id: str,
    connection_id: str,
    emr: str,
    care_unit_id: str | None,
    type: EventType,
    record_type: str,
    record_id: str,
    version: str,
    occurred_at: datetime,
    data: dict[str, Any],
) -> bool:
    """Add the event (unless this record's version already has one) and a delivery for every enabled,
    matching subscription of the application, in ``session``'s transaction. True when the event is new.

    ``data`` holds ids, times and statuses only (DESIGN.md §6), never names or clinical content.
    """
    build = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = datetime.now(UTC)
    statement = (
        build(EventRow)
        .values(
            id=new_event_id(),
            application_id=application_id,
            connection_id=connection_id,
            emr=emr,
            care_unit_id=care_unit_id,
            type=str(type),
            record_type=record_type,
            record_id=record_id,
            version=version,
            occurred_at=occurred_at,
            created_at=now,
            data=data,
        )
        .on_conflict_do_nothing(index_elements=["connection_id", "record_type", "record_id", "version"])
        .returning(EventRow.seq)
    )
    seq = (await session.execute(statement)).scalar_one_or_none()
    if seq is None:
        return False
    subscriptions = await session.execute(
        select(WebhookSubscriptionRow.id, WebhookSubscriptionRow.events).where(
            WebhookSubscriptionRow.application_id == application_id, WebhookSubscriptionRow.enabled.is_(True)
        )
    )
    owed = [
        {
            "id": new_id("dlv"), "subscription_id": subscription_id, "event_seq": seq, "status": "pending",
            "attempts": 0, "next_attempt_at": now, "created_at": now,
        }
        for subscription_id, events in subscriptions
        if matches(events, str(type))
    ]
    if owed:
        await session.execute(insert(WebhookDeliveryRow), owed)
        notify_after_commit(session)
    return True
