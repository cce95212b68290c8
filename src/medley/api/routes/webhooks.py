"""Webhook subscriptions of the calling application: create, read, change, remove, rotate the secret,
see and retry deliveries (DESIGN.md §6). Another application's webhook is a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from medley.api.deps import CallerDep, RuntimeDep
from medley.api.event_schemas import (
    Webhook,
    WebhookCreate,
    WebhookDelivery,
    WebhookUpdate,
    WebhookWithSecret,
)
from medley.api.problem import WRITE_STATUSES, problem_responses
from medley.api.route_class import GatewayRoute
from medley.events import outbox, subscriptions
from medley.events.outbox import Delivery
from medley.events.subscriptions import Subscription

router = APIRouter(
    prefix="/api/webhooks",
    tags=["Webhooks"],
    route_class=GatewayRoute,
)

WebhookId = Annotated[str, Path(max_length=40, description="`whk_…`")]
DeliveryId = Annotated[str, Path(max_length=40, description="`dlv_…`")]


def _webhook(subscription: Subscription) -> Webhook:
    return Webhook(
        id=subscription.id, url=subscription.url, events=subscription.events,
        description=subscription.description, enabled=subscription.enabled,
        disabled_reason=subscription.disabled_reason,
        previous_secret_expires_at=subscription.previous_secret_until,
        created_at=subscription.created_at, updated_at=subscription.updated_at,
    )


def _with_secret(subscription: Subscription, secret: str) -> WebhookWithSecret:
    return WebhookWithSecret(**_webhook(subscription).model_dump(), secret=secret)


def _delivery(delivery: Delivery) -> WebhookDelivery:
    return WebhookDelivery(
        id=delivery.id, event_id=delivery.event_id, event_type=delivery.event_type, status=delivery.status,
        attempts=delivery.attempts, last_status_code=delivery.last_status_code, last_error=delivery.last_error,
        last_attempt_at=delivery.last_attempt_at, next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
    )


@router.post(
    "", name="webhooks.create", status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE_STATUSES), summary="Subscribe to events",
)
async def create_webhook(runtime: RuntimeDep, caller: CallerDep, body: WebhookCreate) -> WebhookWithSecret:
    """The answer carries the signing secret (`whsec_…`) this once: store it now."""
    subscription, secret = await subscriptions.create_subscription(
        runtime.store, runtime.settings, caller.application.id,
        url=body.url, events=body.events, description=body.description,
    )
    return _with_secret(subscription, secret)


@router.get("", name="webhooks.list", responses=problem_responses(), summary="List webhooks")
async def list_webhooks(runtime: RuntimeDep, caller: CallerDep) -> list[Webhook]:
    return [_webhook(s) for s in await subscriptions.list_subscriptions(runtime.store, caller.application.id)]


@router.get("/{webhook_id}", name="webhooks.get", responses=problem_responses(), summary="Get a webhook")
async def get_webhook(runtime: RuntimeDep, caller: CallerDep, webhook_id: WebhookId) -> Webhook:
    return _webhook(await subscriptions.get_subscription(runtime.store, caller.application.id, webhook_id))


@router.patch(
    "/{webhook_id}", name="webhooks.update", responses=problem_responses(*WRITE_STATUSES),
    summary="Change a webhook",
)
async def update_webhook(
    runtime: RuntimeDep, caller: CallerDep, webhook_id: WebhookId, body: WebhookUpdate
) -> Webhook:
    """Change `url`, `events`, `description` or `enabled`; enabling again resumes the pending deliveries."""
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return _webhook(
        await subscriptions.update_subscription(
            runtime.store, runtime.settings, caller.application.id, webhook_id, changes
        )
    )


@router.delete(
    "/{webhook_id}", name="webhooks.delete", status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(), summary="Remove a webhook",
)
async def delete_webhook(runtime: RuntimeDep, caller: CallerDep, webhook_id: WebhookId) -> Response:
    """Its pending deliveries are dropped with it."""
    await subscriptions.delete_subscription(runtime.store, caller.application.id, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{webhook_id}/rotate-secret", name="webhooks.rotate_secret",
    responses=problem_responses(*WRITE_STATUSES), summary="Rotate a webhook's secret",
)
async def rotate_webhook_secret(
    runtime: RuntimeDep, caller: CallerDep, webhook_id: WebhookId
) -> WebhookWithSecret:
    """A new secret, shown this once. Until `previous_secret_expires_at` every delivery is signed with both
    secrets, so receivers can switch without missing one."""
    subscription, secret = await subscriptions.rotate_secret(
        runtime.store, runtime.settings, caller.application.id, webhook_id
    )
    return _with_secret(subscription, secret)


@router.get(
    "/{webhook_id}/deliveries", name="webhooks.deliveries", responses=problem_responses(),
    summary="List a webhook's deliveries",
)
async def list_webhook_deliveries(
    runtime: RuntimeDep, caller: CallerDep, webhook_id: WebhookId
) -> list[WebhookDelivery]:
    """The newest 100 first: the event, the last answer, when it was, and when the next retry is."""
    return [_delivery(d) for d in await outbox.list_deliveries(runtime.store, caller.application.id, webhook_id)]


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/retry", name="webhooks.retry_delivery",
    status_code=status.HTTP_202_ACCEPTED, responses=problem_responses(*WRITE_STATUSES),
    summary="Send a delivery again now",
)
async def retry_webhook_delivery(
    runtime: RuntimeDep, caller: CallerDep, webhook_id: WebhookId, delivery_id: DeliveryId
) -> WebhookDelivery:
    """Queued for the next free worker, whatever its state (a succeeded delivery is sent once more)."""
    return _delivery(await outbox.retry_now(runtime.store, caller.application.id, webhook_id, delivery_id))
