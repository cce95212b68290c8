"""Bodies and answers of the events and webhooks API (DESIGN.md §6)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from medley.domain.models import Instant


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Event(BaseModel):
    """What changed: ids, times and statuses only. Fetch the record through the API for the rest."""

    id: str = Field(description="`evt_…`; also the `webhook-id` of every delivery of this event.")
    type: str = Field(description="e.g. `appointment.rescheduled`.")
    occurred_at: Instant
    emr: str
    care_unit_id: str | None
    data: dict[str, Any]


class EventPage(BaseModel):
    data: list[Event]
    has_more: bool = Field(description="More events are readable now: ask again at once with `next_after`.")
    next_after: str | None = Field(description="The cursor for the next page (the last event's id).")


class WebhookBase(BaseModel):
    url: str = Field(max_length=2000, description="https (http and loopback too in sandbox mode).")
    events: list[str] = Field(
        default=["*"], max_length=20, description='Event types, or `["*"]` for every type.'
    )
    description: str = Field(default="", max_length=500)


class WebhookCreate(_Body, WebhookBase):
    pass


class WebhookUpdate(_Body):
    url: str | None = Field(default=None, max_length=2000)
    events: list[str] | None = Field(default=None, max_length=20)
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None


class Webhook(WebhookBase):
    id: str
    enabled: bool
    disabled_reason: str | None = Field(description="Why it is disabled, e.g. the receiver answered 410.")
    previous_secret_expires_at: Instant | None = Field(
        description="Until then, deliveries also carry a signature made with the previous secret."
    )
    created_at: Instant
    updated_at: Instant


class WebhookWithSecret(Webhook):
    secret: str = Field(description="`whsec_…`: shown this once. Verify every delivery with it.")


class WebhookDelivery(BaseModel):
    id: str
    event_id: str
    event_type: str
    status: str = Field(description="`pending` (due, or waiting for its next retry), `succeeded` or `failed`.")
    attempts: int
    last_status_code: int | None = Field(description="The receiver's answer to the last attempt.")
    last_error: str | None = Field(description="Why the last attempt got no answer (timeout, refused URL…).")
    last_attempt_at: Instant | None
    next_attempt_at: Instant | None
    created_at: Instant
