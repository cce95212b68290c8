"""docs/sandbox-test-data-acuity.md tells integrators the truth about the seeded Acuity practice: every
table is compared, row for row, with the seed, so changing the seed fails here until the page follows."""

from __future__ import annotations

from pathlib import Path

import pytest

from medley.config import DEFAULT_SANDBOX_ACUITY_API_KEY, DEFAULT_SANDBOX_ACUITY_USER_ID
from medley.sandbox.acuity.seed_data import (
    ACCOUNT,
    APPOINTMENT_TYPES,
    BLOCKS,
    CALENDARS,
    CLASS_TIMES,
    DATE_HOURS,
    DOCUMENTED_CLIENTS,
    CalendarSeed,
    Ranges,
)
from tests.docs.test_sandbox_test_data_page import MarkdownTable, _tables

PAGE = Path(__file__).resolve().parents[2] / "docs" / "sandbox-test-data-acuity.md"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@pytest.fixture(scope="module")
def page() -> str:
    return PAGE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tables(page: str) -> dict[str, MarkdownTable]:
    return {table.header[0]: table for table in _tables(page)}


def _ranges(ranges: Ranges) -> str:
    return ", ".join(f"{start}–{end}" for start, end in ranges)


def _hours(calendar: CalendarSeed) -> str:
    if not calendar.weekly:
        return "classes only"
    return "; ".join(f"{DAYS[day]} {_ranges(ranges)}" for day, ranges in sorted(calendar.weekly.items()))


def test_the_page_has_exactly_the_tables_checked_here(tables: dict[str, MarkdownTable]) -> None:
    assert set(tables) == {"Account id", "Calendar id", "Appointment type id", "Class time", "Change", "Client name"}


def test_the_account_and_its_credentials(tables: dict[str, MarkdownTable], page: str) -> None:
    assert tables["Account id"].rows == [(str(ACCOUNT.id), ACCOUNT.name, ACCOUNT.timezone, ACCOUNT.location)]
    assert str(ACCOUNT.id) == DEFAULT_SANDBOX_ACUITY_USER_ID
    assert f"`{DEFAULT_SANDBOX_ACUITY_API_KEY}`" in page
    limits = f"at least {ACCOUNT.min_hours_in_advance} hours and at most {ACCOUNT.max_days_in_advance} days ahead"
    assert limits in " ".join(page.split())


def test_the_calendars(tables: dict[str, MarkdownTable]) -> None:
    assert tables["Calendar id"].rows == [(str(c.id), c.name, c.timezone, _hours(c)) for c in CALENDARS]


def test_the_appointment_types(tables: dict[str, MarkdownTable]) -> None:
    expected = [
        (
            str(t.id),
            t.name,
            t.kind,
            str(t.duration),
            t.price,
            f"{t.padding_before}/{t.padding_after}",
            str(t.class_size or ""),
            ", ".join(str(i) for i in t.calendar_ids),
            "private" if t.private else ("deleted" if not t.active else ""),
        )
        for t in APPOINTMENT_TYPES
    ]
    assert tables["Appointment type id"].rows == expected


def test_the_class_times(tables: dict[str, MarkdownTable]) -> None:
    expected = [(f"{DAYS[s.weekday]} {s.start}", str(s.calendar_id), str(s.appointment_type_id)) for s in CLASS_TIMES]
    assert tables["Class time"].rows == expected


def test_the_time_off_and_changed_hours(tables: dict[str, MarkdownTable]) -> None:
    expected = [
        (
            "date hours",
            str(e.calendar_id),
            f"week {e.week:+d}, {DAYS[e.weekday]}",
            f"open {_ranges(e.ranges)}" if e.ranges else "closed",
        )
        for e in DATE_HOURS
    ]
    expected += [
        (f"block {b.id}", str(b.calendar_id), f"week {b.week:+d}, {DAYS[b.weekday]} {b.start}–{b.end}", b.notes)
        for b in BLOCKS
    ]
    assert tables["Change"].rows == expected


def test_the_documented_clients(tables: dict[str, MarkdownTable]) -> None:
    expected = [(f"{c.first_name} {c.last_name}", c.email, c.phone, c.timezone) for c in DOCUMENTED_CLIENTS]
    assert tables["Client name"].rows == expected
