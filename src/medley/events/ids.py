"""Ids of events, subscriptions and deliveries: a prefix, then a time part and randomness.

The time part makes ids roughly sortable for people reading logs; the order of the event log comes from
the store's sequence (see ``log.py``), never from these strings.
"""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _time_part() -> str:
    millis = int(time.time() * 1000)
    chars = []
    for _ in range(10):
        millis, digit = divmod(millis, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    return f"{prefix}_{_time_part()}{secrets.token_hex(8)}"


def new_event_id() -> str:
    return new_id("evt")
