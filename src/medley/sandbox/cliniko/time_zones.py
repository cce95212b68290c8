"""Cliniko's two ways of naming a zone: the Rails label (``Sydney``) and the IANA identifier."""

from __future__ import annotations

from functools import cache
from typing import Final
from zoneinfo import ZoneInfo, available_timezones

# The Rails (ActiveSupport) labels of the zones a practice is most likely to use; anything else falls
# back to the identifier's city, e.g. "America/Argentina/Buenos_Aires" -> "Buenos Aires".
_LABELS: Final[dict[str, str]] = {
    "Australia/Adelaide": "Adelaide",
    "Australia/Brisbane": "Brisbane",
    "Australia/Canberra": "Canberra",
    "Australia/Darwin": "Darwin",
    "Australia/Hobart": "Hobart",
    "Australia/Melbourne": "Melbourne",
    "Australia/Perth": "Perth",
    "Australia/Sydney": "Sydney",
    "Pacific/Auckland": "Auckland",
    "Europe/London": "London",
    "Europe/Dublin": "Dublin",
    "Europe/Paris": "Paris",
    "Europe/Berlin": "Berlin",
    "Europe/Amsterdam": "Amsterdam",
    "Europe/Stockholm": "Stockholm",
    "America/New_York": "Eastern Time (US & Canada)",
    "America/Chicago": "Central Time (US & Canada)",
    "America/Denver": "Mountain Time (US & Canada)",
    "America/Los_Angeles": "Pacific Time (US & Canada)",
    "America/Halifax": "Atlantic Time (Canada)",
    "America/Toronto": "Eastern Time (US & Canada)",
    "America/Vancouver": "Pacific Time (US & Canada)",
    "Asia/Singapore": "Singapore",
    "Asia/Hong_Kong": "Hong Kong",
    "Asia/Tokyo": "Tokyo",
    "Etc/UTC": "UTC",
    "UTC": "UTC",
}


def rails_label(identifier: str) -> str:
    return _LABELS.get(identifier) or identifier.rsplit("/", 1)[-1].replace("_", " ")


def is_known_zone(identifier: str) -> bool:
    return identifier in _known_zones()


@cache
def _known_zones() -> frozenset[str]:
    # Reads the zone database once; a fixed set, not a growing cache.
    return frozenset(available_timezones()) | {"UTC"}


def zone(identifier: str) -> ZoneInfo:
    return ZoneInfo(identifier)
