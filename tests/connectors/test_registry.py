"""The connector registry: which EHRs exist, what they can do, and building one from credentials."""

from __future__ import annotations

import pytest

from medley.config import Settings
from medley.connectors.acuity.connector import AcuityConnector
from medley.connectors.base import BookingGuard, Operation
from medley.connectors.cliniko.connector import ClinikoConnector
from medley.connectors.registry import build_connector, capabilities_of, known_emrs
from medley.domain.errors import DetailCode, MedleyError


def test_cliniko_and_acuity_are_the_known_emrs() -> None:
    assert known_emrs() == ["cliniko", "acuity"]


def test_cliniko_publishes_every_operation_and_its_limits() -> None:
    settings = Settings(document_max_bytes=1234, timeslot_max_days=31)
    capabilities = capabilities_of("cliniko", settings)
    assert capabilities.emr == "cliniko"
    assert capabilities.name == "Cliniko"
    assert set(capabilities.operations) == set(Operation)
    assert capabilities.patient_id_types == ["emr_id"]
    assert capabilities.resource_id_types == ["emr_id"]
    assert "leyr_unstructured" in capabilities.note_templates
    assert capabilities.max_document_bytes == 1234
    assert capabilities.max_timeslot_window_days == 31
    assert "did_not_arrive" in capabilities.appointment_statuses


@pytest.mark.parametrize(
    "call", [lambda s: capabilities_of("nope", s), lambda s: build_connector("nope", {}, settings=s)]
)
def test_an_unknown_emr_is_not_found(call: object) -> None:
    with pytest.raises(MedleyError) as caught:
        call(Settings())  # type: ignore[operator]
    assert caught.value.status == 404
    assert caught.value.errors[0].error_code == DetailCode.INVALID_EMR


def test_cliniko_credentials_need_an_api_key() -> None:
    with pytest.raises(MedleyError) as caught:
        build_connector("cliniko", {"key": "x"}, settings=Settings())
    assert caught.value.errors[0].error_code == DetailCode.MISSING_REQUIRED_FIELD


async def test_the_connector_talks_to_the_keys_shard_unless_told_otherwise() -> None:
    on_shard = build_connector("cliniko", {"api_key": "abc-uk1"}, settings=Settings())
    overridden = build_connector("cliniko", {"api_key": "abc-uk1"}, settings=Settings(), base_url="http://sandbox/v1")
    try:
        assert isinstance(on_shard, ClinikoConnector) and isinstance(overridden, ClinikoConnector)
        assert on_shard.code == "cliniko"
        assert on_shard.base_url == "https://api.uk1.cliniko.com/v1"
        assert overridden.base_url == "http://sandbox/v1"
    finally:
        await on_shard.aclose()
        await overridden.aclose()


async def test_a_sandbox_without_a_rate_limit_gets_no_client_side_budget() -> None:
    import httpx
    from fastapi import FastAPI

    settings = Settings(sandbox_rate_limit_per_minute=0)
    connector = build_connector(
        "cliniko",
        {"api_key": "key-au1"},
        settings=settings,
        transport=httpx.ASGITransport(app=FastAPI()),
        base_url="http://cliniko.sandbox/v1",
    )
    assert isinstance(connector, ClinikoConnector)
    await connector.aclose()


def test_acuity_publishes_what_it_can_do_and_leaves_out_what_acuity_has_not() -> None:
    capabilities = capabilities_of("acuity", Settings(timeslot_max_days=31))
    assert capabilities.name == "Acuity Scheduling"
    # Acuity's API has no working hours, no clinical notes and no file upload.
    missing = {o for o in Operation if o not in capabilities.operations}
    assert missing == {
        Operation.schedules_get,
        Operation.notes_list,
        Operation.notes_create,
        Operation.documents_list,
        Operation.documents_create,
        Operation.documents_get,
    }
    assert capabilities.booking_guard == BookingGuard.emr and capabilities.seats
    assert capabilities.timeslot_source == "mirror" and capabilities.upstream_days_per_availability_call == 1
    assert capabilities.max_timeslot_window_days == 31
    assert capabilities.patient_upsert_key == ["first_name+last_name+email", "first_name+last_name+phone"]


def test_cliniko_guards_its_bookings_in_the_gateway() -> None:
    capabilities = capabilities_of("cliniko", Settings())
    assert capabilities.booking_guard == BookingGuard.gateway and not capabilities.seats
    assert capabilities.timeslot_source == "mirror"


@pytest.mark.parametrize("credentials", [{}, {"user_id": "123"}, {"api_key": "k"}, {"user_id": " ", "api_key": "k"}])
def test_acuity_credentials_need_a_user_id_and_an_api_key(credentials: dict[str, str]) -> None:
    with pytest.raises(MedleyError) as caught:
        build_connector("acuity", credentials, settings=Settings())
    assert caught.value.errors[0].error_code == DetailCode.MISSING_REQUIRED_FIELD


async def test_acuity_is_reached_at_its_own_address_unless_told_otherwise() -> None:
    real = build_connector("acuity", {"user_id": "123", "api_key": "k"}, settings=Settings())
    emulated = build_connector(
        "acuity", {"user_id": "123", "api_key": "k"}, settings=Settings(), base_url="http://emulator/api/v1"
    )
    try:
        assert isinstance(real, AcuityConnector) and isinstance(emulated, AcuityConnector)
        assert real.code == "acuity"
        assert real.base_url == "https://acuityscheduling.com/api/v1"
        assert emulated.base_url == "http://emulator/api/v1"
    finally:
        await real.aclose()
        await emulated.aclose()
