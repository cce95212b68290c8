"""docs/sandbox-test-data.md tells integrators the truth about the seeded practice.

Every table on the page is parsed and compared, row for row, with the seed data, so changing the seed
fails here until the page is updated, and nothing in the seed that an integrator can meet is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from medley.sandbox.cliniko.seed_data import (
    APPOINTMENT_TYPES,
    AVAILABILITY_BLOCKS,
    BUSINESSES,
    DOCUMENTED_PATIENTS,
    PRACTITIONERS,
    UNAVAILABLE_BLOCKS,
    BusinessSeed,
    PractitionerSeed,
    cliniko_id,
)

PAGE = Path(__file__).resolve().parents[2] / "docs" / "sandbox-test-data.md"
DAY_NAMES = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
PLACEHOLDERS = ("<!-- credentials -->", "<!-- workflows -->", "<!-- reset -->", "<!-- faults -->")


@dataclass(frozen=True)
class MarkdownTable:
    heading: str  # the nearest heading above the table
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]


def _cells(line: str) -> tuple[str, ...]:
    return tuple(cell.strip() for cell in line.strip().strip("|").split("|"))


def _tables(text: str) -> list[MarkdownTable]:
    tables: list[MarkdownTable] = []
    heading = ""
    block: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            block.append(line)
            continue
        if block:
            assert re.fullmatch(r"\|(\s*-+\s*\|)+", block[1].replace(" ", "")), f"bad table under {heading!r}"
            tables.append(MarkdownTable(heading, _cells(block[0]), [_cells(row) for row in block[2:]]))
            block = []
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
    return tables


@pytest.fixture(scope="module")
def page() -> str:
    return PAGE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tables(page: str) -> list[MarkdownTable]:
    return _tables(page)


def _wire(serial: int) -> str:
    """The id the page shows (and the API serves) for a seed serial."""
    return str(cliniko_id(serial))


def _only(tables: list[MarkdownTable], first_column: str, heading: str | None = None) -> list[MarkdownTable]:
    return [t for t in tables if t.header[0] == first_column and (heading is None or heading in t.heading)]


def _visible_businesses() -> list[BusinessSeed]:
    return [b for b in BUSINESSES if not b.archived]


def _active_at(business_id: int) -> list[PractitionerSeed]:
    return [p for p in PRACTITIONERS if p.active and business_id in p.business_ids]


def _address(business: BusinessSeed) -> str:
    place = " ".join(part for part in (business.city, business.state, business.post_code) if part)
    return ", ".join(part for part in (business.address_1, business.address_2, place, business.country) if part)


def _hours(practitioner: PractitionerSeed, business_id: int) -> str:
    return "; ".join(
        ", ".join(DAY_NAMES[day] for day in shift.days)
        + " "
        + ", ".join(f"{start}–{end}" for start, end in shift.periods)
        for shift in practitioner.shifts
        if shift.business_id == business_id
    )


def _when(week: int, starts_on: int, starts_at: str, ends_on: int, ends_at: str) -> str:
    if starts_at == ends_at == "00:00":
        last_day = DAY_NAMES[(ends_on - 1) % 7]
        days = DAY_NAMES[starts_on] if DAY_NAMES[starts_on] == last_day else f"{DAY_NAMES[starts_on]}–{last_day}"
        return f"week {week:+d}, {days}, all day"
    if starts_on == ends_on:
        return f"week {week:+d}, {DAY_NAMES[starts_on]} {starts_at}–{ends_at}"
    return f"week {week:+d}, {DAY_NAMES[starts_on]} {starts_at} – {DAY_NAMES[ends_on]} {ends_at}"


def _name(practitioner_id: int) -> str:
    practitioner = next(p for p in PRACTITIONERS if p.id == practitioner_id)
    return f"{practitioner.first_name} {practitioner.last_name}"


def test_the_page_keeps_the_placeholders_the_lead_fills_in(page: str) -> None:
    for placeholder in PLACEHOLDERS:
        assert page.count(placeholder) == 1, placeholder


def test_every_table_on_the_page_is_one_this_test_checks(tables: list[MarkdownTable]) -> None:
    known = {"Care unit id", "Resource id", "Healthcare service id", "Patient id", "Kind"}
    assert {t.header[0] for t in tables} <= known


def test_the_care_units_table_matches_the_seed(tables: list[MarkdownTable]) -> None:
    (table,) = _only(tables, "Care unit id")
    assert table.header == ("Care unit id", "Name", "Time zone", "Address")
    assert table.rows == [
        (_wire(b.id), b.business_name, b.time_zone_identifier, _address(b)) for b in _visible_businesses()
    ]


@pytest.mark.parametrize("business", _visible_businesses(), ids=lambda b: str(b.id))
def test_each_care_unit_lists_its_practitioners_with_their_hours(
    tables: list[MarkdownTable], business: BusinessSeed
) -> None:
    (table,) = _only(tables, "Resource id", f"(care unit {_wire(business.id)})")
    assert table.header == ("Resource id", "Name", "Designation", "Weekly hours (local time)")
    assert table.rows == [
        (_wire(p.id), f"{p.first_name} {p.last_name}", p.designation, _hours(p, business.id))
        for p in _active_at(business.id)
    ]


@pytest.mark.parametrize("business", _visible_businesses(), ids=lambda b: str(b.id))
def test_each_care_unit_lists_its_bookable_services_and_who_offers_them(
    tables: list[MarkdownTable], business: BusinessSeed
) -> None:
    (table,) = _only(tables, "Healthcare service id", f"(care unit {_wire(business.id)})")
    assert table.header == ("Healthcare service id", "Name", "Duration (min)", "Fee in Cliniko", "Resource ids")
    practitioners = _active_at(business.id)
    expected = []
    for kind in APPOINTMENT_TYPES:
        if business.id in kind.business_ids and kind.show_in_online_bookings and not kind.archived:
            offered_by = ", ".join(_wire(p.id) for p in practitioners if kind.id in p.appointment_type_ids)
            expected.append((_wire(kind.id), kind.name, str(kind.duration_in_minutes), kind.price, offered_by))
    assert table.rows == expected


def test_the_time_off_and_extra_hours_match_the_seed(tables: list[MarkdownTable]) -> None:
    time_off, extra = _only(tables, "Resource id", "Time off and extra hours")
    assert time_off.rows == [
        (
            _wire(b.practitioner_id),
            _name(b.practitioner_id),
            _wire(b.business_id),
            _when(b.week, b.starts_on, b.starts_at, b.ends_on, b.ends_at),
            b.notes,
        )
        for b in UNAVAILABLE_BLOCKS
    ]
    assert extra.rows == [
        (
            _wire(b.practitioner_id),
            _name(b.practitioner_id),
            _wire(b.business_id),
            _when(b.week, b.day, b.starts_at, b.day, b.ends_at),
        )
        for b in AVAILABILITY_BLOCKS
    ]


def test_the_test_patients_are_the_documented_ones(tables: list[MarkdownTable]) -> None:
    (table,) = _only(tables, "Patient id")
    assert table.header == ("Patient id", "Name", "Date of birth", "Care unit id", "Use it for")
    assert table.rows == [
        (
            _wire(p.id),
            f"{p.first_name} {p.last_name}",
            p.date_of_birth.isoformat(),
            _wire(p.home_business_id),
            p.purpose or "",
        )
        for p in DOCUMENTED_PATIENTS.values()
    ]


def test_the_hidden_records_are_the_archived_inactive_and_offline_ones(tables: list[MarkdownTable]) -> None:
    (table,) = _only(tables, "Kind")
    listed = [(kind, record_id, name) for kind, record_id, name, _why in table.rows]
    assert listed == [
        *[("Care unit", _wire(b.id), b.business_name) for b in BUSINESSES if b.archived],
        *[("Resource", _wire(p.id), f"{p.first_name} {p.last_name}") for p in PRACTITIONERS if not p.active],
        *[
            ("Healthcare service", _wire(t.id), t.name)
            for t in APPOINTMENT_TYPES
            if t.archived or not t.show_in_online_bookings
        ],
    ]
    assert all(why for *_rest, why in table.rows)


def test_every_business_practitioner_and_type_in_the_seed_is_on_the_page(tables: list[MarkdownTable]) -> None:
    ids_on_page = {row[0] for t in tables for row in t.rows} | {row[1] for t in _only(tables, "Kind") for row in t.rows}
    for business in BUSINESSES:
        assert _wire(business.id) in ids_on_page, business.business_name
    for practitioner in PRACTITIONERS:
        assert _wire(practitioner.id) in ids_on_page, practitioner.last_name
    for kind in APPOINTMENT_TYPES:
        assert _wire(kind.id) in ids_on_page, kind.name
