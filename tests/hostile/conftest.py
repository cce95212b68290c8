"""A real ``medley serve`` process for the hostile-input tests, with limits that never get in the way of volume:
these tests hammer the gateway on purpose, so neither the emulator's nor the client's rate limit may answer
first."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

# SANDBOX_HEADERS is named here too for the modules that import it from this conftest.
from tests.support.sandbox_gateway import SANDBOX_HEADERS as SANDBOX_HEADERS
from tests.support.sandbox_gateway import UNLIMITED_ENV
from tests.support.server import running_medley


@dataclass(frozen=True)
class Practice:
    """Real ids of the seeded sandbox practice, so requests reach past the id checks."""

    care_unit_id: str
    patient_id: str
    resource_id: str
    service_id: str

    @property
    def base(self) -> str:
        return f"/emrs/cliniko/care-units/{self.care_unit_id}"


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("medley-hostile")
    with running_medley("serve", UNLIMITED_ENV, data_dir) as url:
        yield url


@pytest.fixture(scope="module")
def api(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url + "/api", headers=SANDBOX_HEADERS, timeout=60.0) as client:
        yield client


@pytest.fixture(scope="module")
def practice(api: httpx.Client) -> Practice:
    unit = api.get("/emrs/cliniko/care-units").json()[0]
    base = f"/emrs/cliniko/care-units/{unit['id']}"
    patient = api.get(f"{base}/patients").json()[0]
    resource = api.get(f"{base}/resources").json()[0]
    service = next(s for s in api.get(f"{base}/healthcare-services").json() if resource["id"] in s["resource_ids"])
    return Practice(
        care_unit_id=unit["id"], patient_id=patient["id"], resource_id=resource["id"], service_id=service["id"]
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "schemathesis: property-based fuzzing of the OpenAPI document (slow)")
