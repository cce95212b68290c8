"""Property-based fuzzing of every operation in the live OpenAPI document of a real server: whatever a client
sends, the gateway answers with a documented status, content type and body shape, and never a 5xx.

Deselect for a quick local run with ``-m "not schemathesis"``.
"""

from __future__ import annotations

import contextlib
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from schemathesis import Case, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.errors import FailureGroup
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.hostile.conftest import SANDBOX_HEADERS, Practice

pytestmark = pytest.mark.schemathesis

Operation = APIOperation[Any, Any, Any, Any]
AnyCase = Case[Any]

MAX_EXAMPLES = 40
STATEFUL_SCENARIOS = 25
STATEFUL_STEPS = 6
SEED = 20240601
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]

# Half the generated ids (and templates, MIME types, files) are real ones of the seeded practice, so requests
# get past the id checks and into the connector and the emulator; the other half stay random, to exercise the
# checks themselves.
REAL_VALUE_PROBABILITY = 0.5
DICTIONARY_PARAMETERS = {
    "path.patient_id": "patients",
    "query.patient_id": "patients",
    "body.patient_id": "patients",
    "path.resource_id": "resources",
    "query.resource_id": "resources",
    "body.resource_id": "resources",
    "body.created_by_id": "resources",
    "query.healthcare_service_id": "services",
    "body.healthcare_service_id": "services",
    "path.appointment_id": "appointments",
    "body.ids[*]": "appointments",
    "body.template_id": "templates",
    "body.format": "mime_types",
}
TEMPLATES = ["leyr_unstructured"]
MIME_TYPES = ["application/pdf", "text/plain", "image/png"]
BASE64_FILES = ["JVBERi0xLjQK", "aGVsbG8gd29ybGQ=", "iVBORw0KGgo="]

FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,  # the same cases on every run
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found, fast
    suppress_health_check=list(HealthCheck),
    report_multiple_bugs=False,
    print_blob=False,
)


def _ids(api: httpx.Client, path: str, limit: int = 5) -> list[str]:
    response = api.get(path)
    assert response.status_code == 200, response.text
    return [str(item["id"]) for item in response.json()[:limit]]


@pytest.fixture(scope="module")
def medley_schema(server_url: str, api: httpx.Client, practice: Practice) -> BaseSchema:
    dictionaries = {
        "patients": _ids(api, f"{practice.base}/patients"),
        "resources": _ids(api, f"{practice.base}/resources"),
        "services": _ids(api, f"{practice.base}/healthcare-services"),
        "appointments": _ids(api, f"{practice.base}/appointments"),
        "templates": TEMPLATES,
        "mime_types": MIME_TYPES,
        "files": BASE64_FILES,
    }
    real = {"probability": REAL_VALUE_PROBABILITY}
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": server_url,
            "headers": SANDBOX_HEADERS,
            "request-timeout": 30,
            "dictionaries": {name: {"values": values} for name, values in dictionaries.items()},
            "parameters": {key: {"dictionary": name, **real} for key, name in DICTIONARY_PARAMETERS.items()},
            "operations": [
                {
                    "include-path-regex": "/documents$",
                    "include-method": "POST",
                    "parameters": {"body.content": {"dictionary": "files", **real}},
                }
            ],
        }
    )
    return schemathesis.openapi.from_url(f"{server_url}/openapi.json", config=config)


def _fixed_path(operation: Operation, practice: Practice) -> dict[str, str]:
    # Fuzzing the EHR code or the care unit would stop every request at the first 404; the hand-written
    # hostile cases cover those two.
    fixed = {"emr": "cliniko", "care_unit_id": practice.care_unit_id}
    names = {parameter.name for parameter in operation.path_parameters}
    return {name: value for name, value in fixed.items() if name in names}


def _fuzz(operation: Operation, fixed_path: dict[str, str]) -> None:
    """Sends valid and invalid generated requests to one operation; raises on the first failed check."""
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed_path),
        operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed_path),
    )

    @given(case=cases)
    @FUZZ_SETTINGS
    def run(case: AnyCase) -> None:
        case.call_and_validate(checks=CHECKS)

    run()


# The operations are fuzzed in shards, every operation in exactly one, so that xdist spreads the work.
SHARDS = 4


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_operation_answers_as_documented(medley_schema: BaseSchema, practice: Practice, shard: int) -> None:
    results = list(medley_schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results), "the live document has operations schemathesis cannot read"
    assert len(operations) >= 20, "the live document lost operations"
    failures: list[str] = []
    for operation in operations[shard::SHARDS]:
        try:
            _fuzz(operation, _fixed_path(operation, practice))
        except Exception as error:  # every operation is fuzzed, and every failure reported at once
            failures.append(f"{operation.label}:\n{error}")
    assert not failures, "\n\n".join(failures)


def test_linked_calls_answer_as_documented(medley_schema: BaseSchema, practice: Practice) -> None:
    """Sequences that feed one answer into the next call (a created patient into its get, a listed
    appointment into its update), following the links schemathesis infers from the document."""
    workflow = medley_schema.as_state_machine()
    calls: list[str] = []
    failures: list[str] = []

    class LinkedCalls(workflow):  # type: ignore[misc, valid-type]
        def before_call(self, case: AnyCase) -> None:
            case.path_parameters = {**(case.path_parameters or {}), **_fixed_path(case.operation, practice)}

        def validate_response(
            self, response: Response, case: AnyCase, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            calls.append(case.operation.label)
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as group:
                failures.append(f"{case.operation.label}:\n{group}")
                raise

    scenario_settings = settings(
        FUZZ_SETTINGS, max_examples=STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS, phases=[Phase.generate]
    )
    # A live server's state moves on (a patient created once is found the next time), so Hypothesis may stop
    # exploring when a replay draws differently, as schemathesis' own runner tolerates. Every response seen
    # was still checked, and its failures recorded.
    with contextlib.suppress(Flaky):
        LinkedCalls.run(settings=scenario_settings)
    assert not failures, "\n\n".join(failures)
    assert len(calls) >= STATEFUL_SCENARIOS, f"only {len(calls)} linked calls were made"
