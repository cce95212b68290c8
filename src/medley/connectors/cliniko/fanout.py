"""Run many upstream calls at once; the first failure cancels the rest and is raised as itself.

The concurrency bound is not here: every call goes through the client, whose pool
(``Settings.upstream_concurrency``) and per-key rate budget limit what is really in flight.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from medley.domain.errors import MedleyError

T = TypeVar("T")


async def gather_all(calls: Sequence[Coroutine[Any, Any, T]]) -> list[T]:
    """The results in call order, or the first failure (a contract error when there is one)."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(call) for call in calls]
    except BaseExceptionGroup as failures:
        raise _first_error(failures) from None
    return [task.result() for task in tasks]


def _first_error(group: BaseExceptionGroup[Any]) -> BaseException:
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            return _first_error(error)
        if isinstance(error, MedleyError):
            return error
    return group.exceptions[0]
