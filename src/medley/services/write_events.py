"""Events for writes made through Medley that the scheduling mirror does not see (patients, notes,
documents): recorded as soon as the EHR has confirmed the write (DESIGN.md §6).

A record is created once, so its creation event is keyed on the version ``created``: if the same creation
is reported again (a retried request, or a later sighting by a sync), it is the same event. A patient record
carries no version from the EHR, so each confirmed update is its own version (``updated_version``).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from medley.events.changes import EventType
from medley.events.recorder import record_event
from medley.store.connections import get_connection
from medley.store.database import Store

logger = logging.getLogger(__name__)

CREATED_VERSION = "created"


def updated_version() -> str:
    return f"updated:{uuid.uuid4().hex}"


async def record_confirmed_write(
    store: Store,
    *,
    application_id: str,
    emr: str,
    care_unit_id: str,
    type: EventType,
    record_type: str,
    record_id: str,
    occurred_at: datetime | None,
    data: dict[str, Any],
    version: str = CREATED_VERSION,
) -> None:
    """Record the event of a confirmed write. The EHR write has already happened, so a store failure here is logged
    (ids only) rather than turned into an error for a write that succeeded."""
    try:
        connection = await get_connection(store, application_id, emr)
        if connection is None:
            return
        async with store.sessions() as session, session.begin():
            await record_event(
                session,
                application_id=application_id, connection_id=connection.id, emr=emr, care_unit_id=care_unit_id,
                type=type, record_type=record_type, record_id=record_id, version=version,
                occurred_at=occurred_at or datetime.now(UTC), data=data,
            )
    except Exception:
        logger.exception("could not record the %s event of %s %s", type, record_type, record_id)
