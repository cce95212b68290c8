"""Regenerates ``cliniko_operations.json``: the official OpenAPI document's schemas for what the emulator serves.

Run by hand when Cliniko's document changes (it needs the document, which the tests do not):

    .venv/bin/python -m tests.sandbox.openapi.regenerate [path/to/cliniko-openapi.yaml]

For every route the emulator serves that the document also has (same path shape and method), the extract
keeps the success response's JSON schema and the request body's schema, as plain JSON Schema (2020-12)
rather than OpenAPI 3.0's dialect, with only the component schemas they reach. The conversion:

* ``nullable: true`` becomes a ``null`` alternative (and a ``null`` enum member); without it, null is refused;
* formats become patterns, so no format plug-in is needed: ``int64`` strings are digits, ``date-time`` is
  RFC 3339, ``date`` is ``YYYY-MM-DD``, ``uri`` is an absolute http(s) URL, ``decimal`` a decimal number;
* OpenAPI's boolean ``exclusiveMinimum``/``exclusiveMaximum`` become JSON Schema's numeric ones;
* a ``pattern`` written for a case-insensitive Ruby regex (upper-case ranges only, e.g. the email one)
  also takes lower case, as Cliniko reads it;
* descriptions, examples and ``x-`` extensions are dropped.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from medley.sandbox.cliniko.application import resource_routers
from medley.sandbox.cliniko.gate import API_PREFIX

DEFAULT_DOCUMENT = Path(__file__).resolve().parents[4] / "shared" / "reference" / "cliniko-openapi.yaml"
EXTRACT = Path(__file__).with_name("cliniko_operations.json")

_SCHEMA_REF = "#/components/schemas/"
_DROPPED = {"description", "example", "examples", "externalDocs", "xml", "deprecated", "readOnly", "writeOnly"}
FORMAT_PATTERNS = {
    "int64": r"^[0-9]+$",
    "date-time": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
    "date": r"^\d{4}-\d{2}-\d{2}$",
    "uri": r"^https?://[^\s]+$",
    "decimal": r"^-?\d+(\.\d+)?$",
}


def shape(path: str) -> str:
    """A path with its parameter names erased: ``/patients/{id}`` and ``/patients/{patient_id}`` match."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def served_operations() -> Iterator[tuple[str, str]]:
    """``(METHOD, path)`` of every ``/v1`` route the emulator serves, path as the document spells it."""
    for router in resource_routers():
        for route in router.routes:
            path: str = getattr(route, "path", "")
            for method in sorted(getattr(route, "methods", ()) or ()):
                yield method, path.removeprefix(API_PREFIX)


def convert(node: Any, reached: set[str]) -> Any:
    """One OpenAPI 3.0 schema as JSON Schema; records the component names it refers to in ``reached``."""
    if isinstance(node, list):
        return [convert(item, reached) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].removeprefix(_SCHEMA_REF)
        reached.add(name)
        return {"$ref": f"#/$defs/{name}"}
    converted: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED or key.startswith("x-") or key in {"nullable", "format"}:
            continue
        if key == "properties":
            converted[key] = {name: convert(schema, reached) for name, schema in value.items()}
        elif key == "pattern" and "A-Z" in value and "a-z" not in value:
            converted[key] = value.replace("A-Z", "A-Za-z")
        elif key in {"exclusiveMinimum", "exclusiveMaximum"}:
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if value is True and bound in node:
                converted[key] = node[bound]
        else:
            converted[key] = convert(value, reached)
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        bound = "minimum" if key == "exclusiveMinimum" else "maximum"
        if key in converted:
            converted.pop(bound, None)
    pattern = FORMAT_PATTERNS.get(node.get("format", ""))
    if pattern is not None and node.get("type") == "string":
        converted["pattern"] = pattern
    if "type" not in converted and "properties" in converted:
        converted["type"] = "object"
    if node.get("nullable") is True:
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
        if "enum" in converted and None not in converted["enum"]:
            converted["enum"] = [*converted["enum"], None]
        if "type" not in converted:
            converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


def _json_schema(content: dict[str, Any] | None) -> dict[str, Any] | None:
    if not content:
        return None
    media = content.get("application/json")
    return media.get("schema") if isinstance(media, dict) else None


def extract(document: dict[str, Any]) -> dict[str, Any]:
    by_shape = {shape(path): (path, item) for path, item in document["paths"].items()}
    components = document["components"]
    reached: set[str] = set()
    operations: dict[str, Any] = {}
    for method, path in served_operations():
        found = by_shape.get(shape(path))
        if found is None or method.lower() not in found[1]:
            continue
        documented_path, item = found
        operation = item[method.lower()]
        entry: dict[str, Any] = {"documented_path": documented_path}
        for status, response in sorted(operation.get("responses", {}).items()):
            if not status.startswith("2"):
                continue
            if "$ref" in response:
                response = components["responses"][response["$ref"].rsplit("/", 1)[-1]]
            schema = _json_schema(response.get("content"))
            entry["status"] = int(status)
            entry["response"] = convert(schema, reached) if schema is not None else None
            break
        body = operation.get("requestBody")
        if body is not None:
            if "$ref" in body:
                body = components["requestBodies"][body["$ref"].rsplit("/", 1)[-1]]
            schema = _json_schema(body.get("content"))
            if schema is not None:
                entry["request"] = convert(schema, reached)
        operations[f"{method} {path}"] = entry
    definitions: dict[str, Any] = {}
    pending = set(reached)
    while pending:
        name = pending.pop()
        found_refs: set[str] = set()
        definitions[name] = convert(components["schemas"][name], found_refs)
        pending |= found_refs - definitions.keys()
    return {
        "source": "Cliniko's official OpenAPI document (openapi.yaml), served operations only",
        "openapi_version": document.get("info", {}).get("version"),
        "operations": dict(sorted(operations.items())),
        "$defs": dict(sorted(definitions.items())),
    }


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_DOCUMENT
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    result = extract(document)
    EXTRACT.write_text(json.dumps(result, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"{len(result['operations'])} operations, {len(result['$defs'])} schemas -> {EXTRACT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
