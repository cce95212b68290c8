"""Checks emulator answers against the official document's schemas (the extract ``regenerate.py`` writes).

``Conformance`` wraps a client: each call names the documented route it exercises (``"GET /patients/{patient_id}"``),
and its answer must have the documented status and a body valid against that operation's schema. It
also holds the emulator to what the document implies but JSON Schema alone does not say: every property
the document defines for a record is present (a parser sees the real shape), and every record links to
itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator, ValidationError

EXTRACT = Path(__file__).with_name("cliniko_operations.json")

OPTIONAL_RELATIONS = frozenset(
    {
        "attendee",
        "billable_item",
        "booking",
        "concession_type",
        "default_appointment_type",
        "latest_booking",
        "merged_with_patient",
        "patient_case",
        "practitioner",
        "product",
        "referring_doctor",
        "repeated_from",
        "treatment_note_template",
        "unavailable_block_type",
        "user",
    }
)
"""To-one relations a record may not have. The document does not let them be null, so the emulator leaves
them out then; every other documented property must be present."""
FREE_FORM = frozenset({"content", "custom_fields", "patient_custom_fields_definition", "repeat_rule", "pronouns"})
"""Documented structures whose optional keys are sent only when set (treatment note content: "omit empty keys")."""


@cache
def extract() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(EXTRACT.read_text(encoding="utf-8"))
    return loaded


def operations() -> dict[str, Any]:
    found: dict[str, Any] = extract()["operations"]
    return found


def validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    return Draft202012Validator({**schema, "$defs": extract()["$defs"]})


def problems(schema: Mapping[str, Any], body: Any) -> list[str]:
    """Schema violations, then missing documented properties and self links, as readable lines."""
    found = [
        f"{'/'.join(_generic(part) for part in error.absolute_path) or '(root)'}: {error.message[:200]}"
        for error in _leaves(validator(schema).iter_errors(body))
    ]
    found.extend(_missing_properties(schema, body, ""))
    return found


def _leaves(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    """The errors to report: of an ``anyOf`` (a booking of three shapes), those of its closest branch."""
    for error in errors:
        if error.validator in {"anyOf", "oneOf"} and error.context:
            branches: dict[object, list[ValidationError]] = {}
            for sub in error.context:
                branches.setdefault(sub.relative_schema_path[0], []).append(sub)
            yield from _leaves(min(branches.values(), key=len))
        else:
            yield error


def _generic(part: object) -> str:
    """A path part, with list positions as ``*`` so one problem of every item reads as one line."""
    return "*" if isinstance(part, int) else str(part)


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = extract()["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _alternatives(schema: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    schema = _resolve(schema)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        for option in options:
            yield from _alternatives(option)
    else:
        yield schema


def _missing_properties(schema: Mapping[str, Any], body: Any, where: str) -> list[str]:
    if isinstance(body, list):
        items = _resolve(schema).get("items")
        return [line for item in body for line in _missing_properties(items or {}, item, f"{where}/*")]
    if not isinstance(body, dict):
        return []
    candidates = [option for option in _alternatives(schema) if option.get("properties")]
    if not candidates:
        return []
    # Of several shapes (a booking), judge by the one the body is closest to.
    best = min(candidates, key=lambda option: len(set(option["properties"]) - set(body)))
    found = [
        f"{where or '(root)'}: documented property '{name}' is missing"
        for name in best["properties"]
        if name not in body and name not in OPTIONAL_RELATIONS
    ]
    if "links" in best["properties"] and not isinstance(body.get("links"), dict | None):
        found.append(f"{where or '(root)'}: links is not an object")
    elif "links" in best["properties"] and isinstance(body.get("links"), dict) and "self" not in body["links"]:
        found.append(f"{where or '(root)'}: links.self is missing")
    for name, child in best["properties"].items():
        if name in body and name != "links" and name not in FREE_FORM:
            found.extend(_missing_properties(child, body[name], f"{where}/{name}"))
    return found


class Conformance:
    """A client whose every answer is checked against the documented operation it exercises."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.exercised: set[str] = set()
        self.failures: list[str] = []

    async def call(
        self, operation: str, path: str | None = None, *, expect: int | None = None, **options: Any
    ) -> httpx.Response:
        """``operation`` is ``"METHOD /documented/{path}"``; ``path`` the concrete one (default: the same)."""
        method, template = operation.split(" ", 1)
        documented = operations()[operation]
        response = await self.client.request(method, path or template, **options)
        self.exercised.add(operation)
        status = expect if expect is not None else documented["status"]
        if response.status_code != status:
            self.failures.append(
                f"{operation} ({path}): status {response.status_code}, expected {status}: {response.text[:300]}"
            )
            return response
        if status == documented["status"] and documented.get("response") is not None:
            for line in problems(documented["response"], response.json()):
                self.failures.append(f"{operation}: {line}")
        return response

    async def json(self, operation: str, path: str | None = None, **options: Any) -> Any:
        return (await self.call(operation, path, **options)).json()
