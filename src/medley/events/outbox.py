"""The delivery outbox: claiming owed deliveries under a lease, recording each attempt's outcome, and the
application-facing views (list, retry by hand).

A claim is one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)`` that sets a lease: on
PostgreSQL concurrent workers skip each other's rows; on SQLite the single writer makes the statement
atomic by itself (SQLite has no ``SKIP LOCKED``). A worker killed mid-delivery leaves its lease to lapse,
and the delivery is claimed again. An outcome is written only by the lease's holder (compare-and-swap on
the lease token), so a worker that overran its lease cannot overwrite a newer attempt.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, or_, select, update

from medley.domain.errors import DetailCode, MedleyError
from medley.events.schedule import next_delay
from medley.events.subscriptions import disable_gone, signing_secrets
from medley.events.transactions import read_then_write
from medley.store.database import Store
from medley.store.tables import EventRow, WebhookDeliveryRow, WebhookSubscriptionRow

PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"
MAX_LIST = 100


@dataclass(frozen=True, slots=True)
class Claimed:
    """One delivery a worker holds the lease of, with what it needs to send it."""

    id: str
    lease_token: str
    attempts: int
    subscription_id: str
    url: str
    event_id: str
    body: bytes
    secrets: list[str]


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    error: str | None = None
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    created_at: datetime


def event_body(event: EventRow) -> bytes:
    """The JSON every attempt sends: the thin event of DESIGN.md §6."""
    return json.dumps(
        {
            "id": event.id,
            "type": event.type,
            "occurred_at": event.occurred_at.isoformat(),  # numeric offset, as the API writes it
            "emr": event.emr,
            "care_unit_id": event.care_unit_id,
            "data": event.data,
        },
        separators=(",", ":"),
    ).encode()


async def claim(store: Store, *, limit: int, lease: timedelta, master_key: str) -> list[Claimed]:
    """Take the lease of up to ``limit`` deliveries that are due, on enabled subscriptions."""
    now = datetime.now(UTC)
    token = secrets.token_hex(16)
    is_due = select(WebhookDeliveryRow.id).where(
        WebhookDeliveryRow.status == PENDING,
        WebhookDeliveryRow.next_attempt_at <= now,
        or_(WebhookDeliveryRow.lease_until.is_(None), WebhookDeliveryRow.lease_until < now),
        WebhookDeliveryRow.subscription_id.in_(
            select(WebhookSubscriptionRow.id).where(WebhookSubscriptionRow.enabled.is_(True))
        ),
    )
    async with store.sessions() as session:
        # A plain read first: an idle outbox costs no write (and no SQLite write lock) per poll.
        if await session.scalar(is_due.limit(1)) is None:
            return []
    due = is_due.order_by(WebhookDeliveryRow.next_attempt_at).limit(limit).with_for_update(skip_locked=True)
    async with store.sessions() as session, session.begin():
        taken = (
            await session.scalars(
                update(WebhookDeliveryRow)
                .where(WebhookDeliveryRow.id.in_(due))
                .values(lease_until=now + lease, lease_token=token)
                .returning(WebhookDeliveryRow.id)
                .execution_options(synchronize_session=False)
            )
        ).all()
        if not taken:
            return []
        rows = await session.execute(
            select(WebhookDeliveryRow, EventRow, WebhookSubscriptionRow)
            .join(EventRow, EventRow.seq == WebhookDeliveryRow.event_seq)
            .join(WebhookSubscriptionRow, WebhookSubscriptionRow.id == WebhookDeliveryRow.subscription_id)
            .where(WebhookDeliveryRow.id.in_(taken))
        )
        return [
            Claimed(
                id=delivery.id, lease_token=token, attempts=delivery.attempts, subscription_id=subscription.id,
                url=subscription.url, event_id=event.id, body=event_body(event),
                secrets=signing_secrets(subscription, master_key, now),
            )
            for delivery, event, subscription in rows
        ]


def _outcome_values(claimed: Claimed, outcome: Outcome, now: datetime, retry_scale: float) -> dict[str, object]:
    attempts = claimed.attempts + 1
    values: dict[str, object] = {
        "b_id": claimed.id, "b_token": claimed.lease_token,
        "attempts": attempts, "last_attempt_at": now, "last_status_code": outcome.status_code,
        "last_error": outcome.error[:200] if outcome.error else None,
    }
    if outcome.succeeded:
        values.update(status=SUCCEEDED, next_attempt_at=None)
    else:
        gone = outcome.status_code == 410
        delay = None if gone else next_delay(attempts, scale=retry_scale, retry_after=outcome.retry_after)
        values.update(
            status=FAILED if delay is None else PENDING,
            next_attempt_at=None if delay is None else now + delay,
        )
    return values


_deliveries = cast(Table, WebhookDeliveryRow.__table__)
# Written only by the lease's holder: a worker that overran its lease changes nothing.
_RECORD_OUTCOME = (
    update(_deliveries)
    .where(_deliveries.c.id == bindparam("b_id"), _deliveries.c.lease_token == bindparam("b_token"))
    .values(
        attempts=bindparam("attempts"), last_attempt_at=bindparam("last_attempt_at"),
        last_status_code=bindparam("last_status_code"), last_error=bindparam("last_error"),
        status=bindparam("status"), next_attempt_at=bindparam("next_attempt_at"),
        lease_until=None, lease_token=None,
    )
)


async def finish_many(store: Store, results: Sequence[tuple[Claimed, Outcome]], *, retry_scale: float) -> None:
    """Record attempts in one transaction (one commit for many outcomes is what makes a worker fast):
    success, a retry at the next step of the schedule, or giving up; a 410 disables the subscription."""
    if not results:
        return
    now = datetime.now(UTC)
    rows = [_outcome_values(claimed, outcome, now, retry_scale) for claimed, outcome in results]
    gone = {claimed.subscription_id for claimed, outcome in results if outcome.status_code == 410}
    async with store.sessions() as session, session.begin():
        await session.execute(_RECORD_OUTCOME, rows)
        for subscription_id in sorted(gone):
            await disable_gone(session, subscription_id)


async def finish(store: Store, claimed: Claimed, outcome: Outcome, *, retry_scale: float) -> None:
    """Record one attempt (see ``finish_many``)."""
    await finish_many(store, [(claimed, outcome)], retry_scale=retry_scale)


async def purge_expired_events(store: Store, *, retention: timedelta, batch: int = 1000) -> int:
    """Delete events older than the retention (their deliveries go with them); returns how many."""
    cutoff = datetime.now(UTC) - retention
    removed = 0
    while True:
        async with store.sessions() as session, session.begin():
            old = select(EventRow.seq).where(EventRow.created_at < cutoff).limit(batch)
            result = await session.execute(
                delete(EventRow).where(EventRow.seq.in_(old)).execution_options(synchronize_session=False)
            )
        count = int(getattr(result, "rowcount", 0) or 0)
        removed += count
        if count < batch:
            return removed


def _to_delivery(delivery: WebhookDeliveryRow, event: EventRow) -> Delivery:
    return Delivery(
        id=delivery.id, event_id=event.id, event_type=event.type, status=delivery.status,
        attempts=delivery.attempts, last_status_code=delivery.last_status_code, last_error=delivery.last_error,
        last_attempt_at=delivery.last_attempt_at, next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
    )


async def list_deliveries(
    store: Store, application_id: str, subscription_id: str, *, limit: int = MAX_LIST
) -> list[Delivery]:
    """The subscription's newest deliveries first; unknown or another application's subscription is 404."""
    async with store.sessions() as session:
        owner = await session.scalar(
            select(WebhookSubscriptionRow.id).where(
                WebhookSubscriptionRow.application_id == application_id,
                WebhookSubscriptionRow.id == subscription_id,
            )
        )
        if owner is None:
            raise MedleyError.not_found(
                "This application has no webhook with this id.", DetailCode.INVALID_WEBHOOK_ID
            )
        rows = await session.execute(
            select(WebhookDeliveryRow, EventRow)
            .join(EventRow, EventRow.seq == WebhookDeliveryRow.event_seq)
            .where(WebhookDeliveryRow.subscription_id == subscription_id)
            .order_by(WebhookDeliveryRow.created_at.desc(), WebhookDeliveryRow.event_seq.desc())
            .limit(max(1, min(limit, MAX_LIST)))
        )
        return [_to_delivery(delivery, event) for delivery, event in rows]


async def retry_now(store: Store, application_id: str, subscription_id: str, delivery_id: str) -> Delivery:
    """Send this delivery again as soon as a worker is free (even if it succeeded or was given up)."""
    now = datetime.now(UTC)
    async with read_then_write(store) as session:
        row = await session.execute(
            select(WebhookDeliveryRow, EventRow)
            .join(EventRow, EventRow.seq == WebhookDeliveryRow.event_seq)
            .join(WebhookSubscriptionRow, WebhookSubscriptionRow.id == WebhookDeliveryRow.subscription_id)
            .where(
                WebhookSubscriptionRow.application_id == application_id,
                WebhookDeliveryRow.subscription_id == subscription_id,
                WebhookDeliveryRow.id == delivery_id,
            )
        )
        found = row.first()
        if found is None:
            raise MedleyError.not_found(
                "This webhook has no delivery with this id.", DetailCode.INVALID_DELIVERY_ID
            )
        delivery, event = found
        if delivery.lease_until is not None and delivery.lease_until > now:
            raise MedleyError.conflict(
                "This delivery is being sent right now; look again in a moment.", DetailCode.BAD_INPUT
            )
        delivery.status = PENDING
        delivery.next_attempt_at = now
        return _to_delivery(delivery, event)
