from __future__ import annotations

from datetime import UTC, datetime, timedelta

from medley.store.applications import create_application
from medley.store.audit import AuditEvent, AuditWriter, list_events, record
from medley.store.database import Store

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _event(
    app_id: str, minutes: int, operation: str = "appointments.create", **changes: object
) -> AuditEvent:
    values: dict[str, object] = {
        "at": T0 + timedelta(minutes=minutes),
        "application_id": app_id,
        "operation": operation,
        "method": "POST",
        "path_template": "/api/emrs/{emr}/care-units/{care_unit_id}/appointments",
        "status_code": 201,
        "request_id": f"req-{minutes}",
        "record_ids": ("appointment:42", "patient:7"),
    }
    values.update(changes)
    return AuditEvent(**values)  # type: ignore[arg-type]


async def test_events_are_listed_newest_first_per_application(store: Store) -> None:
    clinic_a, _ = await create_application(store, "A")
    clinic_b, _ = await create_application(store, "B")
    for minutes in (1, 3, 2):
        await record(store, _event(clinic_a.id, minutes))
    await record(store, _event(clinic_b.id, 5, "patients.get", method="GET", status_code=200, record_ids=()))
    events = await list_events(store, clinic_a.id)
    assert [e.request_id for e in events] == ["req-3", "req-2", "req-1"]
    assert events[0] == _event(clinic_a.id, 3)
    assert events[0].id is not None and events[0].at.tzinfo is not None
    assert [e.request_id for e in await list_events(store, clinic_a.id, limit=2)] == ["req-3", "req-2"]
    assert [(e.operation, e.record_ids) for e in await list_events(store, clinic_b.id)] == [
        ("patients.get", ())
    ]


async def test_buffered_writer_writes_everything_by_the_time_it_closes(store: Store) -> None:
    application, _ = await create_application(store, "A")
    writer = AuditWriter(store, flush_interval=60.0, batch_size=10)
    writer.start()
    for minutes in range(25):
        writer.add(_event(application.id, minutes))
    await writer.aclose()
    events = await list_events(store, application.id, limit=1000)
    assert len(events) == 25
    assert writer.dropped == 0


async def test_an_event_the_store_refuses_does_not_block_the_others(store: Store) -> None:
    application, _ = await create_application(store, "A")
    writer = AuditWriter(store, flush_interval=60.0)
    writer.add(_event(application.id, 1))
    writer.add(_event("no-such-application", 2))
    writer.add(_event(application.id, 3))
    await writer.aclose()
    assert [e.request_id for e in await list_events(store, application.id)] == ["req-3", "req-1"]
    assert writer.dropped == 1
