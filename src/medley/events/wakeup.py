"""Wakes this process's delivery workers when a transaction that owes deliveries commits, so an event
recorded here (``medley serve`` delivering its own writes' events) leaves without waiting for the next poll.
Other processes still find the work by polling."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

_listeners: set[asyncio.Event] = set()


def listen() -> asyncio.Event:
    """An event set whenever deliveries were committed in this process; clear it after waking."""
    wake = asyncio.Event()
    _listeners.add(wake)
    return wake


def stop_listening(wake: asyncio.Event) -> None:
    _listeners.discard(wake)


def _notify(_session: Any) -> None:
    for wake in _listeners:
        wake.set()


def notify_after_commit(session: AsyncSession) -> None:
    """Wake the listeners once ``session``'s transaction has committed (never before: they would find nothing)."""
    if _listeners and not event.contains(session.sync_session, "after_commit", _notify):
        event.listen(session.sync_session, "after_commit", _notify, once=True)
