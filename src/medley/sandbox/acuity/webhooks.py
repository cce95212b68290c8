"""Acuity's dynamic webhooks: deliveries of appointment changes to registered targets.

A delivery is a form-encoded ``POST`` (``action``, ``id``, ``calendarID``, ``appointmentTypeID``) signed
with ``x-acuity-signature`` = base64(HMAC-SHA256(API key, raw body)). Subscribers of
``appointment.<action>`` hear that action; subscribers of ``appointment.changed`` hear every change
(Acuity's catch-all, so a booking may reach one target twice). Dynamic deliveries name the action in
the dotted form (``appointment.scheduled``). Deliveries run in the background after the change is
committed, one attempt each with a short timeout; every attempt is kept in `WebhookDispatcher.log`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox.acuity.tables import Appointment, Webhook

if TYPE_CHECKING:
    from medley.sandbox.acuity.context import AcuityContext

logger = logging.getLogger(__name__)

EVENTS = (
    "appointment.scheduled",
    "appointment.rescheduled",
    "appointment.canceled",
    "appointment.changed",
    "order.completed",
)
MAX_WEBHOOKS = 25
SIGNATURE_HEADER = "x-acuity-signature"
_TIMEOUT_SECONDS = 5.0
_LOG_LENGTH = 1000


def signature(api_key: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(api_key.encode(), body, hashlib.sha256).digest()).decode()


@dataclass(frozen=True, slots=True)
class Delivery:
    target: str
    body: bytes
    signature: str
    status: int | None
    """The target's HTTP status; None when it could not be reached."""


class WebhookDispatcher:
    """Sends deliveries in the background and remembers the last ones (for tests and inspection)."""

    def __init__(self, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._transport = transport
        self._routes: dict[str, httpx.AsyncBaseTransport] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.log: list[Delivery] = []

    def route(self, host: str, transport: httpx.AsyncBaseTransport) -> None:
        """Deliver to targets on ``host`` through ``transport`` (the gateway embedding this emulator reaches
        itself in-process); other targets are reached as before."""
        self._routes[host] = transport

    def send(self, target: str, body: bytes, signed: str) -> None:
        task = asyncio.create_task(self._deliver(target, body, signed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for every delivery under way (tests; stopping the emulator)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _deliver(self, target: str, body: bytes, signed: str) -> None:
        headers = {"content-type": "application/x-www-form-urlencoded", SIGNATURE_HEADER: signed}
        status: int | None = None
        try:
            mounts = {f"all://{host}": transport for host, transport in self._routes.items()}
            async with httpx.AsyncClient(transport=self._transport, mounts=mounts, timeout=_TIMEOUT_SECONDS) as client:
                status = (await client.post(target, content=body, headers=headers)).status_code
        except httpx.HTTPError as problem:
            logger.info("Acuity emulator: webhook delivery failed (%s)", type(problem).__name__)
        self.log.append(Delivery(target, body, signed, status))
        del self.log[:-_LOG_LENGTH]


async def notify(context: AcuityContext, session: AsyncSession, action: str, row: Appointment) -> None:
    """Deliver ``action`` (``scheduled``, ``rescheduled``, ``canceled`` or ``changed``) about ``row``."""
    events = {f"appointment.{action}", "appointment.changed"}
    hooks = (await session.scalars(select(Webhook).where(Webhook.event.in_(events), Webhook.status == "active"))).all()
    for hook in hooks:
        fields = {
            "action": hook.event if hook.event == "appointment.changed" else f"appointment.{action}",
            "id": row.id,
            "calendarID": row.calendar_id,
            "appointmentTypeID": row.appointment_type_id,
        }
        body = urlencode(fields).encode()
        context.webhooks.send(hook.target, body, signature(context.credentials.api_key, body))
