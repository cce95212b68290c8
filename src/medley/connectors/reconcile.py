"""After a write the EHR did not confirm: look for its effect a few times before giving up (any connector)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from medley.domain.errors import MedleyError

T = TypeVar("T")


async def look_again(
    lookup: Callable[[], Awaitable[T | None]],
    unknown: MedleyError,
    delays: Sequence[float],
    *,
    logger: logging.Logger,
    what: str,
) -> T:
    """The write's effect as ``lookup`` finds it (tried after each of ``delays``), or ``unknown`` raised again:
    its outcome stays unknown, and the caller must not retry blindly."""
    for delay in delays:
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            found = await lookup()
        except MedleyError:
            continue
        if found is not None:
            logger.info("an unconfirmed %s was found applied", what)
            return found
    raise unknown
