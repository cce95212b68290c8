"""What a connector offers when its EHR can push changes (its own webhooks), in EHR-neutral terms.

A connector that can hear pushes has ``push_source()`` returning a ``PushSource``. Medley registers one
target URL per connection with the EHR (``subscribe``), checks that each inbound call was signed by the
EHR (``verify``: before anything is parsed), and asks what the call is about (``changed_bookings``: an
EHR's push is usually thin, so this reads the records it names). What comes back is applied to the
connection's mirror like anything the sync reads, so one change gives one event however it was seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from medley.connectors.sync_source import Booking


class PushSource(Protocol):
    async def subscribe(self, target: str) -> bool:
        """Make sure the EHR sends this account's changes to ``target`` (idempotent: an existing registration
        is kept). True when registered; False when the EHR refused it (logged, never raised)."""
        ...

    def verify(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """Whether the raw ``body`` carries the EHR's valid signature (a constant-time comparison)."""
        ...

    async def changed_bookings(self, body: bytes) -> list[Booking]:
        """The bookings a verified call is about, as the EHR holds them now (empty when it is about something
        else, e.g. an order, or the record is gone)."""
        ...
