"""Which share of the EHR's request budget an upstream call draws on (DESIGN §7).

* ``write``: bookings, reschedules, cancels and every other client write, with the reads they make
  (the live re-check, the conflicts check). Writes may use the whole budget, and a reserved share of it
  (``Settings.budget_write_share``) is theirs alone: reads can never take it.
* ``read``: client reads that must go upstream (the mirror is cold, or the record is not mirrored).
* ``sync``: the mirror's background sync, held to ``Settings.budget_sync_share`` while others use the
  budget, free to use what is idle (e.g. to warm a cold mirror).

The lane travels with the request in a context variable, so the connector's client needs no argument:
the gateway sets it per request, the sync per task.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum


class Lane(StrEnum):
    read = "read"
    write = "write"
    sync = "sync"


# None: a caller that knows nothing of lanes (a script, a unit test): only the key's total limit applies.
current_lane: ContextVar[Lane | None] = ContextVar("medley_upstream_lane", default=None)


@contextmanager
def in_lane(lane: Lane) -> Iterator[None]:
    token = current_lane.set(lane)
    try:
        yield
    finally:
        current_lane.reset(token)


# When the client's request must be answered by (``time.monotonic()``); None: no deadline. Waiting for the
# budget or for a free upstream connection counts against it, so no queue ahead can hold a request longer.
request_deadline: ContextVar[float | None] = ContextVar("medley_request_deadline", default=None)
