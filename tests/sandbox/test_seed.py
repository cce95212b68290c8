"""The seeded sandbox practice: complete, realistic, consistent and deterministic, on SQLite and PostgreSQL.

Each store is seeded once per module (into a fresh SQLite file, or a scratch PostgreSQL database when
``MEDLEY_TEST_POSTGRES_URL`` is set) and its rows are read back, so every test checks what a database
really holds.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import struct
import time as clock
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from medley.sandbox.cliniko import tables
from medley.sandbox.cliniko.seed import (
    FUTURE_WEEKS,
    PAST_WEEKS,
    build_practice,
    seed_practice,
)
from medley.sandbox.cliniko.seed_data import (
    API_KEY_PRACTITIONER_ID,
    API_KEY_USER_ID,
    DOCUMENTED_PATIENTS,
    SANDBOX_BUSINESS_IDS,
    cliniko_id,
)
from medley.sandbox.cliniko.time_zones import rails_label
from medley.sandbox.cliniko.treatment_note_content import validate_content
from medley.scheduling import Interval, WorkingPeriod, subtract, working_intervals
from tests.support.postgres import admin_url, scratch_database

# A Wednesday whose window holds both DST changes: London springs forward on 29 March 2026 and Sydney
# falls back on 5 April 2026, so "inside working hours" is checked across both.
TODAY = date(2026, 3, 25)
MONDAY = date(2026, 3, 23)
RESERVED_EMAIL = re.compile(r"^[a-z0-9.\-]+@example\.(com|org|net)$")

Rows = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class SeededStore:
    rows: Rows
    url: str
    seconds: float


STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _database_url(store: str, stack: ExitStack, folder: Path) -> str:
    if store == "sqlite":
        return f"sqlite+aiosqlite:///{folder / 'sandbox.db'}"
    if admin_url() is None:
        pytest.skip("MEDLEY_TEST_POSTGRES_URL is not set")
    return stack.enter_context(scratch_database("medley_seed"))


async def _seed_and_read(url: str, today: date) -> tuple[Rows, float]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(tables.Base.metadata.create_all)
        sessions = async_sessionmaker(engine)
        started = clock.perf_counter()
        async with sessions() as session:
            await seed_practice(session, today=today)
            await session.commit()
        elapsed = clock.perf_counter() - started
        rows: Rows = {}
        async with engine.connect() as connection:
            for table in tables.Base.metadata.sorted_tables:
                result = await connection.execute(select(table).order_by(*table.primary_key.columns))
                rows[table.name] = [_normalised(dict(row._mapping)) for row in result]
        return rows, elapsed
    finally:
        await engine.dispose()


def _normalised(row: dict[str, Any]) -> dict[str, Any]:
    """SQLite hands back naive UTC datetimes, PostgreSQL aware ones: compare both as aware UTC."""
    for key, value in row.items():
        if isinstance(value, datetime):
            row[key] = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return row


@pytest.fixture(scope="module", params=STORES)
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededStore]:
    with ExitStack() as stack:
        url = _database_url(request.param, stack, tmp_path_factory.mktemp("seed"))
        rows, seconds = asyncio.run(_seed_and_read(url, TODAY))
        yield SeededStore(rows=rows, url=url, seconds=seconds)


@pytest.fixture
def rows(seeded: SeededStore) -> Rows:
    return seeded.rows


def _by_id(rows: Rows, table: str) -> dict[int, dict[str, Any]]:
    return {row["id"]: row for row in rows[table]}


def _zone_of(rows: Rows, business_id: int) -> ZoneInfo:
    return ZoneInfo(_by_id(rows, "cliniko_businesses")[business_id]["time_zone_identifier"])


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _active_appointments(rows: Rows) -> list[dict[str, Any]]:
    return [a for a in rows["cliniko_individual_appointments"] if a["cancelled_at"] is None]


# --- the practice's shape -----------------------------------------------------------------------------


def test_seeding_is_fast(seeded: SeededStore) -> None:
    # A guard against a pathological slowdown, not a benchmark: about 1.5 s alone, 2.5 s beside a parallel
    # suite on 2 cores (timed tests must not flake; figures belong in bench/).
    assert seeded.seconds < 10.0


def test_the_practice_has_every_kind_of_record(rows: Rows) -> None:
    assert len(rows["cliniko_businesses"]) >= 3
    assert len(rows["cliniko_practitioners"]) >= 8
    assert len(rows["cliniko_appointment_types"]) >= 6
    assert len(rows["cliniko_treatment_note_templates"]) >= 3
    assert len(rows["cliniko_patients"]) >= 50
    assert len(rows["cliniko_patient_attachments"]) >= 3
    assert len(rows["cliniko_individual_appointments"]) > 1000
    assert len(rows["cliniko_treatment_notes"]) > 500


def test_the_api_key_owner_is_the_lowest_user_and_a_practitioner(rows: Rows) -> None:
    owner = min(rows["cliniko_users"], key=lambda user: user["id"])
    assert owner["id"] == API_KEY_USER_ID
    assert owner["role"] == "practitioner"
    practitioner = _by_id(rows, "cliniko_practitioners")[API_KEY_PRACTITIONER_ID]
    assert practitioner["user_id"] == owner["id"]
    assert practitioner["active"]


def test_every_practitioner_has_a_user_and_not_every_user_is_a_practitioner(rows: Rows) -> None:
    users = _by_id(rows, "cliniko_users")
    practitioner_users = {p["user_id"] for p in rows["cliniko_practitioners"]}
    assert len(practitioner_users) == len(rows["cliniko_practitioners"])
    assert practitioner_users <= set(users)
    assert all(users[user_id]["role"] == "practitioner" for user_id in practitioner_users)
    assert set(users) - practitioner_users, "expected a receptionist or administrator too"


def test_businesses_span_two_time_zones_with_cliniko_labels(rows: Rows) -> None:
    businesses = rows["cliniko_businesses"]
    visible = [b for b in businesses if b["archived_at"] is None]
    assert [b["id"] for b in visible] == list(SANDBOX_BUSINESS_IDS)
    assert len({b["time_zone_identifier"] for b in visible}) >= 2
    assert any(b["archived_at"] is not None for b in businesses)
    for business in businesses:
        ZoneInfo(business["time_zone_identifier"])
        assert business["time_zone"] == rails_label(business["time_zone_identifier"])
        assert business["address_1"] and business["city"] and business["post_code"] and business["country_code"]
        assert RESERVED_EMAIL.match(business["email_reply_to"])


def test_practitioners_work_at_one_or_two_businesses_and_one_is_inactive(rows: Rows) -> None:
    places = defaultdict(set)
    for link in rows["cliniko_practitioner_businesses"]:
        places[link["practitioner_id"]].add(link["business_id"])
    assert set(places) == {p["id"] for p in rows["cliniko_practitioners"]}
    assert any(len(businesses) == 2 for businesses in places.values())
    inactive = [p for p in rows["cliniko_practitioners"] if not p["active"]]
    assert len(inactive) == 1
    designations = {p["designation"] for p in rows["cliniko_practitioners"]}
    assert {"Physiotherapist", "Osteopath", "Exercise Physiologist", "Podiatrist"} <= designations
    assert all(p["title"] and p["description"] for p in rows["cliniko_practitioners"])


def test_appointment_types_are_realistic(rows: Rows) -> None:
    types = rows["cliniko_appointment_types"]
    durations = {t["duration_in_minutes"] for t in types}
    assert min(durations) == 15
    assert max(durations) == 90
    assert any(not t["show_in_online_bookings"] for t in types)
    assert any(t["archived_at"] is not None for t in types)
    templates = _by_id(rows, "cliniko_treatment_note_templates")
    for kind in types:
        assert re.fullmatch(r"#[0-9a-f]{6}", kind["color"])
        assert Decimal(kind["price"]).as_tuple().exponent == -2
        assert kind["description"]
        assert kind["treatment_note_template_id"] is None or kind["treatment_note_template_id"] in templates
    group_types = [t for t in types if t["max_attendees"] > 1]
    assert all(not t["show_in_online_bookings"] for t in group_types)


def test_some_types_are_limited_to_some_practitioners(rows: Rows) -> None:
    offered_by = defaultdict(set)
    for link in rows["cliniko_practitioner_appointment_types"]:
        offered_by[link["appointment_type_id"]].add(link["practitioner_id"])
    active = {p["id"] for p in rows["cliniko_practitioners"] if p["active"]}
    assert any(0 < len(practitioners & active) < len(active) / 2 for practitioners in offered_by.values())
    offered_at = defaultdict(set)
    for link in rows["cliniko_business_appointment_types"]:
        offered_at[link["appointment_type_id"]].add(link["business_id"])
    assert set(offered_at) == {t["id"] for t in rows["cliniko_appointment_types"]}


def test_ids_fall_in_one_range_per_kind(rows: Rows) -> None:
    ranges = {
        "cliniko_users": (1, 999),
        "cliniko_businesses": (1001, 1999),
        "cliniko_practitioners": (2001, 2999),
        "cliniko_appointment_types": (3001, 3999),
        "cliniko_treatment_note_templates": (4001, 4999),
        "cliniko_patients": (5001, 6999),
        "cliniko_daily_availabilities": (7001, 7999),
        "cliniko_availability_blocks": (8001, 8999),
        "cliniko_unavailable_blocks": (9001, 9999),
        "cliniko_individual_appointments": (100001, 199999),
        "cliniko_treatment_notes": (200001, 299999),
        "cliniko_patient_attachments": (300001, 399999),
    }
    for table, (low, high) in ranges.items():
        assert all(cliniko_id(low) <= row["id"] <= cliniko_id(high) for row in rows[table]), table
        assert all(len(str(row["id"])) == 18 for row in rows[table]), table  # as long as Cliniko's


# --- working hours --------------------------------------------------------------------------------------


def test_weekly_hours_have_lunch_breaks_part_time_days_and_days_off(rows: Rows) -> None:
    days_by_practitioner = defaultdict(set)
    for availability in rows["cliniko_daily_availabilities"]:
        assert 0 <= availability["day_of_week"] <= 6
        days_by_practitioner[availability["practitioner_id"]].add(availability["day_of_week"])
        for period in availability["availabilities"]:
            assert re.fullmatch(r"\d\d:\d\d", period["starts_at"]) and period["starts_at"] < period["ends_at"]
    assert any(len(a["availabilities"]) == 2 for a in rows["cliniko_daily_availabilities"]), "lunch breaks"
    active = [p["id"] for p in rows["cliniko_practitioners"] if p["active"]]
    assert all(0 < len(days_by_practitioner[p]) < 6 for p in active), "everyone has days off"
    assert any(len(days_by_practitioner[p]) <= 3 for p in active), "someone works part time"


def test_time_off_and_extra_hours_lie_ahead(rows: Rows) -> None:
    today_utc = datetime.combine(TODAY, time(0), UTC)
    blocks = rows["cliniko_unavailable_blocks"]
    assert sum(block["starts_at"] > today_utc for block in blocks) >= 3
    assert any(block["ends_at"] - block["starts_at"] >= timedelta(days=4) for block in blocks), "leave"
    assert all(block["notes"] for block in blocks)
    extra = rows["cliniko_availability_blocks"]
    assert len(extra) == 1
    zone = _zone_of(rows, extra[0]["business_id"])
    assert extra[0]["starts_at"].astimezone(zone).weekday() == 5  # a Saturday
    assert extra[0]["starts_at"] > today_utc


def _free_working_time(rows: Rows) -> dict[tuple[int, int], list[Interval]]:
    """Per (practitioner, business): weekly hours plus extra blocks minus time off, over the window."""
    window = Interval(
        datetime.combine(MONDAY - timedelta(weeks=PAST_WEEKS + 1), time(0), UTC),
        datetime.combine(MONDAY + timedelta(weeks=FUTURE_WEEKS + 2), time(0), UTC),
    )
    weekly: dict[tuple[int, int], dict[int, list[WorkingPeriod]]] = defaultdict(dict)
    for availability in rows["cliniko_daily_availabilities"]:
        key = (availability["practitioner_id"], availability["business_id"])
        python_weekday = (availability["day_of_week"] - 1) % 7  # Cliniko 0 = Sunday; Python 0 = Monday
        weekly[key][python_weekday] = [
            WorkingPeriod(time.fromisoformat(p["starts_at"]), time.fromisoformat(p["ends_at"]))
            for p in availability["availabilities"]
        ]
    extra: dict[tuple[int, int], list[Interval]] = defaultdict(list)
    for block in rows["cliniko_availability_blocks"]:
        extra[(block["practitioner_id"], block["business_id"])].append(Interval(block["starts_at"], block["ends_at"]))
    time_off: dict[int, list[Interval]] = defaultdict(list)
    for block in rows["cliniko_unavailable_blocks"]:
        time_off[block["practitioner_id"]].append(Interval(block["starts_at"], block["ends_at"]))
    free = {}
    for key in set(weekly) | set(extra):
        practitioner_id, business_id = key
        working = working_intervals(weekly.get(key, {}), _zone_of(rows, business_id), window, extra=extra.get(key, []))
        free[key] = subtract(working, time_off[practitioner_id])
    return free


def test_every_appointment_is_inside_its_practitioners_working_hours_at_that_business(rows: Rows) -> None:
    free = _free_working_time(rows)
    for appointment in rows["cliniko_individual_appointments"]:
        key = (appointment["practitioner_id"], appointment["business_id"])
        booked = Interval(appointment["starts_at"], appointment["ends_at"])
        assert any(interval.contains(booked) for interval in free.get(key, [])), appointment["id"]


def test_no_practitioner_is_double_booked(rows: Rows) -> None:
    by_practitioner = defaultdict(list)
    for appointment in _active_appointments(rows):
        by_practitioner[appointment["practitioner_id"]].append(appointment)
    for appointments in by_practitioner.values():
        appointments.sort(key=lambda a: a["starts_at"])
        for earlier, later in itertools.pairwise(appointments):
            assert earlier["ends_at"] <= later["starts_at"], (earlier["id"], later["id"])


def test_no_patient_is_in_two_places_at_once(rows: Rows) -> None:
    seen = Counter(
        (a["patient_id"], _local_day(a["starts_at"], _zone_of(rows, a["business_id"])))
        for a in _active_appointments(rows)
    )
    assert max(seen.values()) == 1


def test_utilisation_leaves_plenty_of_free_slots(rows: Rows) -> None:
    free = _free_working_time(rows)
    today_utc = datetime.combine(TODAY, time(0), UTC)
    working = sum((i.duration for intervals in free.values() for i in intervals), timedelta())
    ahead = sum((i.duration for intervals in free.values() for i in intervals if i.start >= today_utc), timedelta())
    booked = sum((a["ends_at"] - a["starts_at"] for a in _active_appointments(rows)), timedelta())
    booked_ahead = sum(
        (a["ends_at"] - a["starts_at"] for a in _active_appointments(rows) if a["starts_at"] >= today_utc),
        timedelta(),
    )
    assert 0.35 <= booked / working <= 0.5
    assert 0.3 <= booked_ahead / ahead <= 0.5


# --- appointments ---------------------------------------------------------------------------------------


def test_appointments_cover_eight_weeks_back_and_four_ahead(rows: Rows) -> None:
    days = {
        _local_day(a["starts_at"], _zone_of(rows, a["business_id"])) for a in rows["cliniko_individual_appointments"]
    }
    assert min(days) == MONDAY - timedelta(weeks=PAST_WEEKS)
    assert max(days) >= TODAY + timedelta(weeks=FUTURE_WEEKS)
    assert max(days) < MONDAY + timedelta(weeks=FUTURE_WEEKS + 1)


def test_past_appointments_have_outcomes_and_future_ones_are_just_booked(rows: Rows) -> None:
    outcomes: Counter[str] = Counter()
    for appointment in rows["cliniko_individual_appointments"]:
        day = _local_day(appointment["starts_at"], _zone_of(rows, appointment["business_id"]))
        assert appointment["ends_at"] > appointment["starts_at"]
        assert not (appointment["patient_arrived"] and appointment["did_not_arrive"])
        if appointment["cancelled_at"] is not None:
            outcomes["cancelled"] += 1
            assert not appointment["patient_arrived"] and not appointment["did_not_arrive"]
        elif day < TODAY:
            assert appointment["patient_arrived"] or appointment["did_not_arrive"]
            outcomes["did_not_arrive" if appointment["did_not_arrive"] else "attended"] += 1
        else:
            assert not appointment["patient_arrived"] and not appointment["did_not_arrive"]
            assert appointment["treatment_note_status"] is None
            outcomes["booked"] += 1
    total = sum(outcomes.values())
    assert 0.04 <= outcomes["cancelled"] / total <= 0.15
    assert outcomes["did_not_arrive"] >= 20
    assert outcomes["booked"] > 500


def test_cancellations_carry_cliniko_reasons_and_notes(rows: Rows) -> None:
    cancelled = [a for a in rows["cliniko_individual_appointments"] if a["cancelled_at"] is not None]
    assert {a["cancellation_reason"] for a in cancelled} == {10, 20, 30, 40, 50, 60}
    for appointment in cancelled:
        assert appointment["cancellation_note"]
        assert appointment["created_at"] < appointment["cancelled_at"] <= appointment["starts_at"]
        assert appointment["updated_at"] == appointment["cancelled_at"]
    not_cancelled = [a for a in rows["cliniko_individual_appointments"] if a["cancelled_at"] is None]
    assert all(a["cancellation_reason"] is None for a in not_cancelled)


def test_appointment_types_and_places_are_ones_the_practitioner_offers(rows: Rows) -> None:
    offers = {
        (link["practitioner_id"], link["appointment_type_id"])
        for link in rows["cliniko_practitioner_appointment_types"]
    }
    sold_at = {
        (link["business_id"], link["appointment_type_id"]) for link in rows["cliniko_business_appointment_types"]
    }
    types = _by_id(rows, "cliniko_appointment_types")
    for appointment in rows["cliniko_individual_appointments"]:
        assert (appointment["practitioner_id"], appointment["appointment_type_id"]) in offers
        assert (appointment["business_id"], appointment["appointment_type_id"]) in sold_at
        kind = types[appointment["appointment_type_id"]]
        assert appointment["ends_at"] - appointment["starts_at"] == timedelta(minutes=kind["duration_in_minutes"])
        assert kind["max_attendees"] == 1 and kind["archived_at"] is None


def test_patients_are_seen_where_they_live(rows: Rows) -> None:
    patients = _by_id(rows, "cliniko_patients")
    businesses = _by_id(rows, "cliniko_businesses")
    for appointment in rows["cliniko_individual_appointments"]:
        patient = patients[appointment["patient_id"]]
        assert patient["archived_at"] is None
        assert patient["country_code"] == businesses[appointment["business_id"]]["country_code"]
        assert patient["created_at"] < appointment["created_at"] or patient["created_at"] < appointment["starts_at"]


# --- treatment notes and templates ----------------------------------------------------------------------


def test_templates_follow_clinikos_content_schema(rows: Rows) -> None:
    question_types = set()
    for template in rows["cliniko_treatment_note_templates"]:
        assert validate_content(template["content"]) == template["content"]
        question_types |= {q["type"] for s in template["content"]["sections"] for q in s["questions"]}
        assert template["print_settings"]["title"] == template["name"]
    assert {"text", "paragraph", "checkboxes", "radiobuttons", "date"} <= question_types


def test_attended_appointments_have_notes_final_or_draft(rows: Rows) -> None:
    appointments = _by_id(rows, "cliniko_individual_appointments")
    notes = rows["cliniko_treatment_notes"]
    assert {note["draft"] for note in notes} == {True, False}
    noted = Counter(note["booking_id"] for note in notes)
    assert max(noted.values()) == 1
    practitioners = _by_id(rows, "cliniko_practitioners")
    for note in notes:
        appointment = appointments[note["booking_id"]]
        assert appointment["patient_arrived"]
        assert note["patient_id"] == appointment["patient_id"]
        assert note["practitioner_id"] == appointment["practitioner_id"]
        practitioner = practitioners[note["practitioner_id"]]
        assert note["author_name"] == f"{practitioner['first_name']} {practitioner['last_name']}"
        expected_status = 10 if note["draft"] else 90
        assert appointment["treatment_note_status"] == expected_status
        assert (note["finalized_at"] is None) == note["draft"]
        assert note["created_at"] >= appointment["ends_at"]
        assert validate_content(note["content"]) == note["content"]
    attended = [a for a in appointments.values() if a["patient_arrived"]]
    assert all(a["id"] in noted for a in attended)


def test_notes_answer_their_templates_questions(rows: Rows) -> None:
    templates = _by_id(rows, "cliniko_treatment_note_templates")
    for note in rows["cliniko_treatment_notes"][:200]:
        template = templates[note["treatment_note_template_id"]]
        template_questions = [(q["name"], q["type"]) for s in template["content"]["sections"] for q in s["questions"]]
        note_questions = [(q["name"], q["type"]) for s in note["content"]["sections"] for q in s["questions"]]
        assert note_questions == template_questions
        for section in note["content"]["sections"]:
            for question in section["questions"]:
                answered = "answer" in question or any(a.get("selected") for a in question.get("answers", []))
                assert answered, question["name"]


# --- patients and attachments ---------------------------------------------------------------------------


def test_patients_look_real_and_use_reserved_contact_details(rows: Rows) -> None:
    patients = rows["cliniko_patients"]
    assert sum(p["archived_at"] is not None for p in patients) in (1, 2)
    assert sum(p["old_reference_id"] is not None for p in patients) >= 5
    assert {p["country_code"] for p in patients} == {"AU", "GB"}
    numbers = []
    for patient in patients:
        assert patient["date_of_birth"] < TODAY
        assert patient["sex"] in ("Female", "Male")
        assert patient["email"] is None or RESERVED_EMAIL.match(patient["email"]), patient["email"]
        assert patient["patient_phone_numbers"], patient["id"]
        for phone in patient["patient_phone_numbers"]:
            assert phone["phone_type"] in ("Mobile", "Home", "Work")
            digits = re.sub(r"\D", "", phone["number"])
            country = "61" if patient["country_code"] == "AU" else "44"
            assert phone["normalized_number"] == country + digits[1:]
            numbers.append(phone["normalized_number"])
            if phone["phone_type"] == "Mobile":
                pattern = r"04\d\d \d{3} \d{3}" if country == "61" else r"07\d{3} \d{6}"
                assert re.fullmatch(pattern, phone["number"]), phone["number"]
    assert len(numbers) == len(set(numbers))
    names = Counter((p["first_name"], p["last_name"]) for p in patients)
    assert [name for name, count in names.items() if count > 1] == [("Sam", "Taylor")]


def test_documented_patients_are_seeded_as_documented(rows: Rows) -> None:
    patients = _by_id(rows, "cliniko_patients")
    for patient_id, documented in DOCUMENTED_PATIENTS.items():
        row = patients[cliniko_id(patient_id)]
        assert (row["first_name"], row["last_name"]) == (documented.first_name, documented.last_name)
        assert row["date_of_birth"] == documented.date_of_birth
        assert (row["archived_at"] is not None) == documented.archived
    appointments_of = Counter(a["patient_id"] for a in rows["cliniko_individual_appointments"])
    assert appointments_of[cliniko_id(5002)] == 0 and appointments_of[cliniko_id(5006)] == 0  # the clean slates
    assert appointments_of[cliniko_id(5001)] >= 6
    assert patients[cliniko_id(5003)]["old_reference_id"] == "PMS-004217"
    olivia_notes = [n for n in rows["cliniko_treatment_notes"] if n["patient_id"] == cliniko_id(5001)]
    assert {n["draft"] for n in olivia_notes} == {True, False}


def test_attachments_hold_real_files(rows: Rows) -> None:
    attachments = rows["cliniko_patient_attachments"]
    assert {a["content_type"] for a in attachments} >= {"application/pdf", "image/png", "text/plain"}
    for attachment in attachments:
        data = attachment["data"]
        assert attachment["size"] == len(data) > 0
        assert attachment["processing_completed"] and attachment["processed_at"] >= attachment["created_at"]
        assert attachment["filename"] and attachment["description"]
        if attachment["content_type"] == "application/pdf":
            _assert_valid_pdf(data)
        elif attachment["content_type"] == "image/png":
            _assert_valid_png(data)
        else:
            assert data.decode("utf-8").strip()


def _assert_valid_pdf(data: bytes) -> None:
    assert data.startswith(b"%PDF-1.4\n") and data.rstrip().endswith(b"%%EOF")
    xref_at = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert data[xref_at:].startswith(b"xref\n")
    entries = data[xref_at:].split(b"\n")[3:]
    for number, entry in enumerate(entries[: data.count(b" obj\n")], start=1):
        offset = int(entry.split(b" ")[0])
        assert data[offset:].startswith(b"%d 0 obj" % number)


def _assert_valid_png(data: bytes) -> None:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (width, height, depth, colour) == (160, 120, 8, 0)
    position, pixels = 8, b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + body)
        if kind == b"IDAT":
            pixels += body
        position += 12 + length
    assert len(zlib.decompress(pixels)) == height * (width + 1)


def test_online_booking_and_calendar_settings(rows: Rows) -> None:
    settings = {row["key"]: row["value"] for row in rows["cliniko_settings"]}
    assert settings == {
        "online_bookings": {
            "enabled": True,
            "min_hours_advance_required_to_book": 0,
            "allow_bookings_days_in_advance": 182,
            "max_appointments_per_day_segment": 0,
            "daily_bookings_limit": 0,
        },
        "calendar": {"timeslot_size_in_minutes": 15},
    }


def test_timestamps_are_ordered_and_not_in_the_future(rows: Rows) -> None:
    latest_plausible_now = datetime.combine(TODAY, time(0), UTC)
    for table, table_rows in rows.items():
        for row in table_rows:
            if "created_at" not in row:
                continue
            assert row["created_at"].tzinfo is UTC
            assert row["created_at"] <= latest_plausible_now, (table, row.get("id"))
            if "updated_at" in row:
                assert row["created_at"] <= row["updated_at"], (table, row.get("id"))


# --- determinism and ids --------------------------------------------------------------------------------


def test_seeding_twice_gives_identical_rows(seeded: SeededStore, tmp_path: Path) -> None:
    with ExitStack() as stack:
        url = _second_url(seeded.url, stack, tmp_path)
        again, _ = asyncio.run(_seed_and_read(url, TODAY))
    assert again == seeded.rows


def _second_url(first: str, stack: ExitStack, folder: Path) -> str:
    if first.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{folder / 'again.db'}"
    return stack.enter_context(scratch_database("medley_seed"))


def test_another_week_moves_appointment_dates_but_keeps_ids(rows: Rows) -> None:
    week_later = build_practice(TODAY + timedelta(weeks=1))
    zones = {b["id"]: ZoneInfo(b["time_zone_identifier"]) for b in rows["cliniko_businesses"]}
    moved = {a["id"]: a for a in week_later.appointments}
    original = rows["cliniko_individual_appointments"]
    assert set(moved) == {a["id"] for a in original}
    for appointment in original:
        later = moved[appointment["id"]]
        for field in ("patient_id", "practitioner_id", "business_id", "appointment_type_id"):
            assert later[field] == appointment[field]
        zone = zones[appointment["business_id"]]
        before, after = appointment["starts_at"].astimezone(zone), later["starts_at"].astimezone(zone)
        assert after.date() - before.date() == timedelta(weeks=1)
        assert after.time() == before.time()  # the same wall-clock time, across daylight saving
    assert [p["id"] for p in week_later.patients] == [p["id"] for p in rows["cliniko_patients"]]


def test_a_row_inserted_after_seeding_gets_a_fresh_id(seeded: SeededStore) -> None:
    async def insert_patient(url: str) -> tuple[int, int]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                highest = (await connection.execute(select(func.max(tables.Patient.id)))).scalar_one()
                now = datetime.now(UTC)
                result = await connection.execute(
                    insert(tables.Patient)
                    .values(first_name="New", last_name="Patient", created_at=now, updated_at=now)
                    .returning(tables.Patient.id)
                )
                new_id = result.scalar_one()
                await connection.rollback()
            return highest, new_id
        finally:
            await engine.dispose()

    highest, new_id = asyncio.run(insert_patient(seeded.url))
    assert new_id == highest + 1
