"""Acuity's own webhooks as a ``PushSource``: one dynamic registration per connection, signed deliveries
read back into bookings.

Medley registers ``appointment.changed`` only: Acuity's catch-all fires on scheduling, rescheduling,
canceling and edits (reference §10.1), so one registration hears everything and a change is not delivered
twice, as it would be to a second registration of ``appointment.scheduled``. A dynamic webhook is signed
with the API key of the user who registered it (§10.4): the connection's own key, so the signature proves
the call came from this account's Acuity. Deliveries are thin (``action``, ``id``, ``calendarID``,
``appointmentTypeID``, form-encoded): the appointment is read with ``GET /appointments/{id}``, and its
action is not trusted further than "something happened to this appointment" (short or dotted names alike,
§10.3): the mirror compares what it held with what Acuity holds now and records the one event that is.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import parse_qs

from medley.connectors.acuity.client import AcuityClient
from medley.connectors.acuity.errors import AcuityNotFound
from medley.connectors.acuity.practice import PracticeCache
from medley.connectors.acuity.sync_reads import booking_from_acuity
from medley.connectors.sync_source import Booking
from medley.domain.errors import MedleyError

logger = logging.getLogger("medley.connectors.acuity")

SIGNATURE_HEADER = "x-acuity-signature"
EVENT = "appointment.changed"
APPOINTMENT_ACTIONS = frozenset({"scheduled", "rescheduled", "canceled", "changed"})
_MAX_ID_DIGITS = 20


def appointment_id_of(body: bytes) -> str | None:
    """The appointment a delivery names, or ``None`` when it names none (an order, a malformed body)."""
    try:
        fields = parse_qs(body.decode("utf-8"), strict_parsing=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return None
    action = (fields.get("action") or [""])[0].removeprefix("appointment.")
    appointment_id = (fields.get("id") or [""])[0]
    if action not in APPOINTMENT_ACTIONS or not appointment_id.isdigit() or len(appointment_id) > _MAX_ID_DIGITS:
        return None
    return appointment_id


class AcuityPush:
    """The webhooks of one Acuity account, through the connector's client and budget."""

    def __init__(self, client: AcuityClient, practice: PracticeCache) -> None:
        self._client = client
        self._practice = practice

    async def subscribe(self, target: str) -> bool:
        try:
            registered = await self._client.get_list("/webhooks")
            if any(h.get("target") == target and h.get("event") == EVENT for h in registered):
                return True
            await self._client.post("/webhooks", {"event": EVENT, "target": target})
            return True
        except MedleyError as refused:
            # E.g. the account's 25 webhooks are taken, or the target is not on port 443 or 80. The target is
            # not logged (it carries the connection's token); the sync's reads stay the way changes are seen.
            upstream = (refused.errors[0].emr_error if refused.errors else None) or {}
            logger.warning(
                "acuity: webhook registration refused (%s %s); changes are seen by the sync only",
                upstream.get("status"), upstream.get("error"),
            )
            return False

    def verify(self, body: bytes, headers: Mapping[str, str]) -> bool:
        signature = headers.get(SIGNATURE_HEADER)
        return bool(signature) and self._client.signed(body, signature or "")

    async def changed_bookings(self, body: bytes) -> list[Booking]:
        appointment_id = appointment_id_of(body)
        if appointment_id is None:
            return []
        try:
            record = await self._client.get_object(f"/appointments/{appointment_id}")
        except AcuityNotFound:
            return []
        practice = await self._practice.get()
        booking = booking_from_acuity(record, practice.care_unit_id)
        return [] if booking is None else [booking]
