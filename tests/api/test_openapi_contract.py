"""The OpenAPI document tells integrators the truth: auth needs both headers, bad input is a 400 problem,
and every endpoint is audited under a capability name."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from pydantic import SecretStr

from medley.api.route_class import OPERATIONS, GatewayRoute
from medley.api.routes import appointments, care_units, patients, records, timeslots
from medley.app import create_app
from medley.config import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


def test_both_credential_headers_form_one_requirement(settings: Settings) -> None:
    spec = create_app(settings).openapi()
    secured = [op for path in spec["paths"].values() for op in path.values() if "security" in op]
    assert secured
    assert all(op["security"] == [{"ClientId": [], "ClientSecret": []}] for op in secured)


def test_no_operation_advertises_fastapis_default_422(settings: Settings) -> None:
    spec = create_app(settings).openapi()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert "HTTPValidationError" not in str(operation["responses"]), f"{method} {path}"
            assert "400" in operation["responses"], f"{method} {path}"
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_every_gateway_route_has_an_audit_operation_name() -> None:
    modules = (appointments, care_units, patients, records, timeslots)
    routes = [r for m in modules for r in m.router.routes if isinstance(r, APIRoute)]
    assert routes and all(isinstance(r, GatewayRoute) for r in routes)
    assert {r.name for r in routes} <= set(OPERATIONS)


def test_the_default_master_key_is_refused_outside_the_sandbox(settings: Settings) -> None:
    with pytest.raises(RuntimeError, match="MEDLEY_MASTER_KEY"):
        create_app(settings.model_copy(update={"sandbox": False}))
    create_app(settings.model_copy(update={"sandbox": False, "master_key": SecretStr("x" * 40)}))
