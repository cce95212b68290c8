"""What the MCP tools' callers (tests/agents, bench/mcp_tools.py) say to them more than once."""

from __future__ import annotations

from typing import Any


def slot_booking(clinic: str, slot: dict[str, Any]) -> dict[str, Any]:
    """The ``book_appointment`` arguments that name a time ``find_available_times`` offered (the caller adds the
    patient and the idempotency key)."""
    return {
        "clinic": clinic,
        "start": slot["start"],
        "practitioner_id": slot["practitioner_id"],
        "service_id": slot["service_id"],
    }
