"""Artificial latency: durations as written in settings and headers (``200ms``, ``1.5s``), and the pause."""

from __future__ import annotations

import asyncio
import re

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$", re.IGNORECASE)


def parse_duration(text: str) -> float:
    """Seconds from ``<number>ms`` or ``<number>s``; raises ValueError otherwise."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"invalid duration {text!r} (use e.g. 200ms or 1.5s)")
    amount = float(match.group(1))
    return amount / 1000 if match.group(2).lower() == "ms" else amount


async def pause(seconds: float) -> None:
    if seconds > 0:
        await asyncio.sleep(seconds)
