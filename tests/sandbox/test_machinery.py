"""The emulator's pure parts, with plain values: fault grammar, rate windows, keys, policies, time frames."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from medley.sandbox.cliniko.auth import ApiKey, basic_user_name, host_shard, is_authorised
from medley.sandbox.cliniko.availability import MAX_SPAN, time_frame, wall_clock
from medley.sandbox.cliniko.errors import BadRequest, InvalidSearch
from medley.sandbox.cliniko.filters import Condition, parse_condition
from medley.sandbox.cliniko.s3_policy import check_upload, presigned_fields, signing_secret
from medley.sandbox.faults import DEFAULT_HANG_SECONDS, Fault, FaultKind, parse_faults
from medley.sandbox.rate_limit import FixedWindowRateLimiter

NOW = datetime(2026, 11, 24, 3, 45, tzinfo=UTC)


def test_the_documented_fault_example_parses() -> None:
    plan = parse_faults("503:0.1, latency=200ms:0.5,429:0.05,drop:0.01,timeout:0.01, timeout=2s, 500")
    assert [(rule.fault, rule.probability) for rule in plan.rules] == [
        (Fault(FaultKind.STATUS, status=503), 0.1),
        (Fault(FaultKind.LATENCY, seconds=0.2), 0.5),
        (Fault(FaultKind.STATUS, status=429), 0.05),
        (Fault(FaultKind.DROP), 0.01),
        (Fault(FaultKind.HANG, seconds=DEFAULT_HANG_SECONDS), 0.01),
        (Fault(FaultKind.HANG, seconds=2.0), 1.0),
        (Fault(FaultKind.STATUS, status=500), 1.0),
    ]
    assert parse_faults("").rules == () and parse_faults("none").rules == ()


@pytest.mark.parametrize("spec", ["404", "503:2", "503:often", "latency", "latency=fast", "drop=1s", ",", "flood"])
def test_a_bad_fault_spec_is_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_faults(spec)


def test_latencies_add_up_and_the_first_failure_wins() -> None:
    outcome = parse_faults("latency=10ms,502,latency=1s,503").draw(random.Random(1))
    assert outcome.delay_seconds == pytest.approx(1.01)
    assert outcome.failure == Fault(FaultKind.STATUS, status=502)


def test_rate_windows_are_aligned_and_forget_the_past() -> None:
    limiter = FixedWindowRateLimiter(limit=2)
    start = 1_800_000_000.0 - 1_800_000_000 % 60  # the start of a minute
    assert [limiter.hit("key", start + 1).allowed for _ in range(3)] == [True, True, False]
    assert limiter.hit("key", start + 59).reset_at == int(start) + 60
    for index in range(1000):
        limiter.hit(f"other-{index}", start + 30)
    assert limiter.tracked_keys == 1001
    fresh = limiter.hit("key", start + 60)
    assert fresh.allowed and fresh.remaining == 1 and limiter.tracked_keys == 1


def test_keys_with_and_without_shard() -> None:
    key = ApiKey("MS0xMjM0-sandbox-key-au2")
    assert key.shard == "au2" and key.without_shard == "MS0xMjM0-sandbox-key"
    assert key.accepts("MS0xMjM0-sandbox-key-au2") and key.accepts("MS0xMjM0-sandbox-key")
    assert not key.accepts("MS0xMjM0-sandbox-key-au1")
    assert ApiKey("old-style-key-without-suffix").shard == "au1"
    assert basic_user_name("Basic TVMwOnNlY3JldA==") == "MS0"
    assert basic_user_name("Bearer abc") is None and basic_user_name("Basic !!!") is None
    assert host_shard("api.UK1.cliniko.com:443") == "uk1" and host_shard("localhost:8000") is None
    header = "Basic " + __import__("base64").b64encode(b"MS0xMjM0-sandbox-key:").decode()
    assert is_authorised(key, authorization=header, host="api.au2.cliniko.com")
    assert not is_authorised(key, authorization=header, host="api.au1.cliniko.com")


def test_filter_operators_are_read_longest_first() -> None:
    assert parse_condition("starts_at:>=2026-01-01T00:00:00Z") == Condition("starts_at", ">=", "2026-01-01T00:00:00Z")
    assert parse_condition("last_name:~~Smi%") == Condition("last_name", "~~", "Smi%")
    assert parse_condition("email:!?") == Condition("email", "!?", "")
    assert parse_condition("archived_at:*") == Condition("archived_at", "*", "")
    with pytest.raises(InvalidSearch):
        parse_condition("first_name^Ann")


def test_a_presigned_policy_is_honoured_until_it_expires() -> None:
    secret = signing_secret("key")
    fields = presigned_fields(secret, patient_id=5001, upload_id="u1", now=NOW)
    template = fields["key"]
    allowed = check_upload(secret, fields, bucket="medley-sandbox-uploads", key=template, size=10, now=NOW)
    assert allowed is None
    expired = check_upload(
        secret, fields, bucket="medley-sandbox-uploads", key=template, size=10, now=NOW + timedelta(hours=2)
    )
    assert expired is not None and "expired" in expired.message
    other_secret = check_upload(
        signing_secret("other"), fields, bucket="medley-sandbox-uploads", key=template, size=1, now=NOW
    )
    assert other_secret is not None and other_secret.code == "SignatureDoesNotMatch"
    tampered = {**fields, "acl": "public-read"}
    refused = check_upload(secret, tampered, bucket="medley-sandbox-uploads", key=template, size=1, now=NOW)
    assert refused is not None and "acl" in refused.message


def test_time_frames_are_at_most_seven_calendar_days_from_today() -> None:
    today = date(2026, 11, 24)
    assert time_frame("2026-11-24", "2026-11-30", today=today) == (today, today + MAX_SPAN)
    assert time_frame(None, None, today=today, optional=True) == (today, date(2026, 11, 30))
    for window in (
        ("2026-11-24", "2026-12-01"),
        ("2026-11-23", "2026-11-24"),
        (None, "2026-11-25"),
        ("2026-11-25", "2026-11-24"),
    ):
        with pytest.raises(BadRequest):
            time_frame(*window, today=today)


def test_wall_clock_times_including_midnight_as_an_end() -> None:
    assert wall_clock("09:30") == time(9, 30)
    assert wall_clock("24:00") == time(0)
    assert wall_clock("25:00") is None and wall_clock("9:30") is None and wall_clock("") is None
