"""docs/reference.md stays true to the API: every endpoint, every error code, every problem ``type`` link,
and every example answer has the fields the API really returns (checked against its OpenAPI document)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from medley.api.problem import DOCS_BASE
from medley.app import create_app
from medley.config import Settings
from medley.domain.errors import DetailCode, ErrorCode
from tests.docs.doc_blocks import DocumentedAnswer, documented_answer, heading_anchors, read_blocks

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference.md"
_REQUEST_LINE = re.compile(r"^(?P<method>GET|POST|PATCH|PUT|DELETE) (?P<target>\S+) HTTP/1\.1$")

Json = Any


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Json]:
    settings = Settings(sandbox=False, master_key=SecretStr("d" * 40), data_dir=tmp_path_factory.mktemp("openapi"))
    document: dict[str, Json] = create_app(settings).openapi()
    return document


def _examples() -> list[tuple[tuple[str, str] | None, DocumentedAnswer]]:
    """(method, path) of each documented request (None for an answer shown alone), with its answer."""
    pairs: list[tuple[tuple[str, str] | None, DocumentedAnswer]] = []
    request: tuple[str, str] | None = None
    for block in read_blocks(REFERENCE):
        if block.language != "http":
            continue
        line = _REQUEST_LINE.match(block.text.splitlines()[0])
        if line is not None:
            request = (line.group("method"), line.group("target").split("?", 1)[0])
            continue
        answer = documented_answer(block)
        if answer is not None:
            pairs.append((request, answer))
            request = None
    return pairs


def _operation_of(openapi: dict[str, Json], method: str, path: str) -> tuple[str, dict[str, Json]]:
    candidates = []
    for template, operations in openapi["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            literal_segments = sum(1 for part in template.split("/") if not part.startswith("{"))
            candidates.append((literal_segments, template, operations[method.lower()]))
    assert candidates, f"{method} {path} is not an endpoint of the API"
    _, template, operation = max(candidates, key=lambda candidate: candidate[0])
    return template, operation


def _resolve(schema: dict[str, Json], openapi: dict[str, Json], value: Json) -> dict[str, Json]:
    while True:
        if "$ref" in schema:
            schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        elif "anyOf" in schema or "oneOf" in schema:
            variants = schema.get("anyOf") or schema.get("oneOf") or []
            wanted = "object" if isinstance(value, dict) else "array" if isinstance(value, list) else None
            schema = next(
                (v for v in variants if v.get("type") == wanted or (wanted == "object" and "$ref" in v)),
                variants[0],
            )
        elif "allOf" in schema and len(schema["allOf"]) == 1:
            schema = schema["allOf"][0]
        else:
            return schema


def _schema_mismatches(value: Json, schema: dict[str, Json], openapi: dict[str, Json], where: str) -> list[str]:
    schema = _resolve(schema, openapi, value)
    if isinstance(value, dict) and "properties" in schema:
        problems = []
        if set(value) != set(schema["properties"]):
            problems.append(f"{where}: documented keys {sorted(value)}, the API returns {sorted(schema['properties'])}")
        for key in set(value) & set(schema["properties"]):
            problems += _schema_mismatches(value[key], schema["properties"][key], openapi, f"{where}.{key}")
        return problems
    if isinstance(value, list) and "items" in schema:
        problems = []
        for index, item in enumerate(value):
            problems += _schema_mismatches(item, schema["items"], openapi, f"{where}[{index}]")
        return problems
    return []


def test_every_error_code_is_explained() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    missing = [code.value for code in (*ErrorCode, *DetailCode) if f"`{code.value}`" not in text]
    assert not missing, f"docs/reference.md does not explain {missing}"


def test_every_problem_type_link_lands_on_its_section() -> None:
    assert DOCS_BASE.endswith("/docs/reference.md#")
    anchors = heading_anchors(REFERENCE.read_text(encoding="utf-8"))
    for code in ErrorCode:
        anchor = code.value.lower().replace("_", "-")
        assert anchor in anchors, f"no heading of docs/reference.md has the anchor #{anchor} ({code.value})"


def test_every_endpoint_has_an_example(openapi: dict[str, Json]) -> None:
    documented = {
        (request[0], _operation_of(openapi, *request)[0]) for request, _ in _examples() if request is not None
    }
    missing = [
        f"{method.upper()} {template}"
        for template, operations in openapi["paths"].items()
        for method in operations
        if (method.upper(), template) not in documented
    ]
    assert not missing, f"docs/reference.md has no example for {missing}"


def test_examples_answer_what_the_api_declares(openapi: dict[str, Json]) -> None:
    problems: list[str] = []
    problem_schema = {"$ref": "#/components/schemas/Problem"}
    for request, answer in _examples():
        where = f"docs/reference.md:{answer.line}"
        if request is None:
            schema: dict[str, Json] | None = problem_schema
        else:
            template, operation = _operation_of(openapi, *request)
            declared = operation["responses"].get(str(answer.status))
            if declared is None:
                problems.append(f"{where}: {request[0]} {template} does not declare {answer.status}")
                continue
            content = declared.get("content", {})
            media = content.get("application/json") or content.get("application/problem+json") or {}
            schema = problem_schema if answer.status >= 400 else media.get("schema")
        if schema is None or not answer.body.strip():
            continue
        problems += _schema_mismatches(answer.json(), schema, openapi, where)
    assert not problems, "\n".join(problems)
