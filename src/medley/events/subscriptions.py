"""Webhook subscriptions of one application, and their signing secrets.

Every query starts from the application id: another application's subscription is simply not found.
Secrets are sealed with the master key alone (``crypto.seal`` with a fixed label in place of the client
secret): the delivery worker must sign without any client's secret, so the master key is what protects
them. The additional data binds each sealed secret to its application and subscription.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.config import Settings
from medley.domain.errors import DetailCode, MedleyError
from medley.events.changes import EventType
from medley.events.ids import new_id
from medley.events.targets import check_url
from medley.events.transactions import read_then_write
from medley.store.crypto import seal, unseal
from medley.store.database import Store
from medley.store.tables import WebhookSubscriptionRow

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
ALL_EVENTS = "*"
EVENT_TYPES = frozenset(str(t) for t in EventType)
MAX_SUBSCRIPTIONS = 20
MAX_DESCRIPTION = 500
_SEAL_PURPOSE = "webhook-secret"
# Stands in for the client secret in the key derivation: the worker has only the master key.
_SEAL_LABEL = "medley/webhook-secrets/v1"


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    url: str
    description: str
    events: list[str]
    enabled: bool
    disabled_reason: str | None
    previous_secret_until: datetime | None
    created_at: datetime
    updated_at: datetime


def matches(events: Iterable[str], event_type: str) -> bool:
    return any(wanted in (ALL_EVENTS, event_type) for wanted in events)


def validate_events(events: Sequence[str]) -> list[str]:
    if not events:
        raise MedleyError.bad_request("`events` must name at least one type, or \"*\".", path="events")
    unknown = sorted({e for e in events if e != ALL_EVENTS and e not in EVENT_TYPES})
    if unknown:
        raise MedleyError.bad_request(
            f"Unknown event types: {', '.join(u[:40] for u in unknown[:5])}.", path="events"
        )
    return [ALL_EVENTS] if ALL_EVENTS in events else sorted(set(events))


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _seal(secret: str, master_key: str, application_id: str, subscription_id: str) -> bytes:
    return seal(
        secret.encode(), master_key=master_key, client_secret=_SEAL_LABEL,
        purpose=_SEAL_PURPOSE, context=(application_id, subscription_id),
    )


def _unseal(sealed: bytes, master_key: str, application_id: str, subscription_id: str) -> str:
    return unseal(
        sealed, master_key=master_key, client_secret=_SEAL_LABEL,
        purpose=_SEAL_PURPOSE, context=(application_id, subscription_id),
    ).decode()


def signing_secrets(row: WebhookSubscriptionRow, master_key: str, now: datetime) -> list[str]:
    """The secrets to sign with now: the current one, and the previous one during its overlap."""
    current = [_unseal(row.sealed_secret, master_key, row.application_id, row.id)]
    if (
        row.sealed_previous_secret is not None
        and row.previous_secret_until is not None
        and row.previous_secret_until > now
    ):
        current.append(_unseal(row.sealed_previous_secret, master_key, row.application_id, row.id))
    return current


def _to_subscription(row: WebhookSubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id, url=row.url, description=row.description, events=list(row.events), enabled=row.enabled,
        disabled_reason=row.disabled_reason, previous_secret_until=row.previous_secret_until,
        created_at=row.created_at, updated_at=row.updated_at,
    )


def _not_found() -> MedleyError:
    return MedleyError.not_found("This application has no webhook with this id.", DetailCode.INVALID_WEBHOOK_ID)


async def _row(session: AsyncSession, application_id: str, subscription_id: str) -> WebhookSubscriptionRow:
    row = await session.scalar(
        select(WebhookSubscriptionRow).where(
            WebhookSubscriptionRow.application_id == application_id,
            WebhookSubscriptionRow.id == subscription_id,
        )
    )
    if row is None:
        raise _not_found()
    return row


async def create_subscription(
    store: Store, settings: Settings, application_id: str, *, url: str, events: Sequence[str], description: str
) -> tuple[Subscription, str]:
    """A new enabled subscription and its secret (returned this once, stored sealed)."""
    check_url(url, settings)
    wanted = validate_events(events)
    secret = generate_secret()
    now = datetime.now(UTC)
    subscription_id = new_id("whk")
    row = WebhookSubscriptionRow(
        id=subscription_id, application_id=application_id, url=url, description=description[:MAX_DESCRIPTION],
        events=wanted, enabled=True, disabled_reason=None,
        sealed_secret=_seal(secret, settings.master_key.get_secret_value(), application_id, subscription_id),
        sealed_previous_secret=None, previous_secret_until=None, created_at=now, updated_at=now,
    )
    async with read_then_write(store) as session:
        count = len((await session.scalars(
            select(WebhookSubscriptionRow.id).where(WebhookSubscriptionRow.application_id == application_id)
        )).all())
        if count >= MAX_SUBSCRIPTIONS:
            raise MedleyError.bad_request(
                f"An application may have at most {MAX_SUBSCRIPTIONS} webhooks.", DetailCode.MAX_ITEMS_EXCEEDED
            )
        session.add(row)
    return _to_subscription(row), secret


async def list_subscriptions(store: Store, application_id: str) -> list[Subscription]:
    async with store.sessions() as session:
        rows = await session.scalars(
            select(WebhookSubscriptionRow)
            .where(WebhookSubscriptionRow.application_id == application_id)
            .order_by(WebhookSubscriptionRow.created_at, WebhookSubscriptionRow.id)
        )
        return [_to_subscription(row) for row in rows]


async def get_subscription(store: Store, application_id: str, subscription_id: str) -> Subscription:
    async with store.sessions() as session:
        return _to_subscription(await _row(session, application_id, subscription_id))


async def update_subscription(
    store: Store, settings: Settings, application_id: str, subscription_id: str, changes: dict[str, Any]
) -> Subscription:
    """Change ``url``, ``events``, ``description`` and/or ``enabled`` (re-enabling clears the reason)."""
    if "url" in changes:
        check_url(changes["url"], settings)
    if "events" in changes:
        changes["events"] = validate_events(changes["events"])
    async with read_then_write(store) as session:
        row = await _row(session, application_id, subscription_id)
        for name in ("url", "events", "enabled"):
            if name in changes:
                setattr(row, name, changes[name])
        if "description" in changes:
            row.description = changes["description"][:MAX_DESCRIPTION]
        if changes.get("enabled") is not None:
            row.disabled_reason = None if changes["enabled"] else "disabled by the application"
        row.updated_at = datetime.now(UTC)
    return _to_subscription(row)


async def delete_subscription(store: Store, application_id: str, subscription_id: str) -> None:
    async with store.sessions() as session, session.begin():
        result = await session.execute(
            delete(WebhookSubscriptionRow).where(
                WebhookSubscriptionRow.application_id == application_id,
                WebhookSubscriptionRow.id == subscription_id,
            )
        )
        if not getattr(result, "rowcount", 0):
            raise _not_found()


async def rotate_secret(
    store: Store, settings: Settings, application_id: str, subscription_id: str
) -> tuple[Subscription, str]:
    """A new secret; the one it replaces still signs every delivery until the overlap ends."""
    master_key = settings.master_key.get_secret_value()
    secret = generate_secret()
    now = datetime.now(UTC)
    async with read_then_write(store) as session:
        row = await _row(session, application_id, subscription_id)
        row.sealed_previous_secret = row.sealed_secret
        row.previous_secret_until = now + timedelta(hours=settings.webhook_secret_overlap_hours)
        row.sealed_secret = _seal(secret, master_key, application_id, subscription_id)
        row.updated_at = now
    return _to_subscription(row), secret


async def disable_gone(session: AsyncSession, subscription_id: str) -> None:
    """The receiver answered 410 Gone: stop sending until the application enables the webhook again."""
    row = await session.get(WebhookSubscriptionRow, subscription_id)
    if row is not None and row.enabled:
        row.enabled = False
        row.disabled_reason = "the receiver answered 410 Gone"
        row.updated_at = datetime.now(UTC)
