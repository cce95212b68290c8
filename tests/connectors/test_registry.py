"""The connector registry: which EHRs exist, what they can do, and building one from credentials."""

from __future__ import annotations

import pytest

from medley.config import Settings
from medley.connectors.base import Operation
from medley.connectors.cliniko.connector import ClinikoConnector
from medley.connectors.registry import build_connector, capabilities_of, known_emrs
from medley.domain.errors import DetailCode, MedleyError


def test_cliniko_is_the_known_emr() -> None:
    assert known_emrs() == ["cliniko"]


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
