"""Checks a real answer against the one a page documents: status, headers shown, and the body's shape.

Shape means the keys: every JSON object shown must have exactly the keys of the real one (so a field
added to a record, or dropped from it, shows up as a documentation failure), arrays are compared item by
item as far as the page shows them, and scalar values may differ (ids, times and request ids change from
run to run). A body that is not JSON is compared as text.

Problem documents are also checked by value: their ``code``, ``status``, ``title``, each error's
``error_code`` and ``path``, and the messages (``detail``, ``details``), where ``…`` in the documented
message stands for any text (a number of seconds, an id).
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from tests.docs.doc_blocks import DocumentedAnswer

# Headers whose documented value must match too; the others only have to be present.
_COMPARED_HEADERS = frozenset({"idempotent-replayed", "content-disposition", "www-authenticate"})


def mismatches(
    documented: DocumentedAnswer, response: httpx.Response, shown: Any = None, *, filtered: bool = False
) -> list[str]:
    """What differs between the documented answer and the real one; empty when they agree."""
    problems: list[str] = []
    if response.status_code != documented.status:
        problems.append(f"status {response.status_code}, documented {documented.status}: {response.text[:300]}")
        return problems
    for name, value in documented.headers.items():
        actual = response.headers.get(name)
        if actual is None:
            problems.append(f"header {name} is missing")
        elif name == "content-type" and _media_type(actual) != _media_type(value):
            problems.append(f"content-type {actual!r}, documented {value!r}")
        elif name in _COMPARED_HEADERS and actual != value:
            problems.append(f"header {name} is {actual!r}, documented {value!r}")
    if not documented.body.strip():
        return problems
    if _media_type(response.headers.get("content-type", "")).endswith("json") or filtered:
        try:
            expected = documented.json()
        except json.JSONDecodeError as error:
            return [*problems, f"the documented body is not JSON: {error}"]
        real = shown if filtered else response.json()
        problems += shape_mismatches(expected, real, "body")
    elif documented.body.strip() != response.text.strip():
        problems.append(f"body {response.text[:200]!r}, documented {documented.body[:200]!r}")
    return problems


_PROBLEM_VALUES = frozenset({"code", "status", "title", "detail"})
_PROBLEM_ERROR_VALUES = frozenset({"error_code", "path", "details"})


def _value_mismatches(expected: dict[str, Any], actual: dict[str, Any], where: str) -> list[str]:
    """The values a problem document must show as documented (its messages, with ``…`` as a wildcard)."""
    if {"code", "errors"} <= set(expected):
        keys = _PROBLEM_VALUES
    elif "error_code" in expected:
        keys = _PROBLEM_ERROR_VALUES
    else:
        return []
    problems = []
    for key in sorted(keys & set(expected) & set(actual)):
        documented, real = expected[key], actual[key]
        if isinstance(documented, str) and isinstance(real, str):
            pattern = ".*".join(re.escape(part) for part in documented.split("…"))
            if re.fullmatch(pattern, real, re.DOTALL):
                continue
        elif documented == real:
            continue
        problems.append(f"{where}.{key} is {real!r}, documented {documented!r}")
    return problems


def shape_mismatches(expected: Any, actual: Any, where: str) -> list[str]:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: an object is documented, got {type(actual).__name__}"]
        problems = _value_mismatches(expected, actual, where)
        if set(expected) != set(actual):
            missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
            problems.append(f"{where}: keys differ (documented but absent: {missing}; undocumented: {extra})")
        for key in set(expected) & set(actual):
            problems += shape_mismatches(expected[key], actual[key], f"{where}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{where}: an array is documented, got {type(actual).__name__}"]
        if not expected:
            return [] if not actual else [f"{where}: an empty array is documented, got {len(actual)} items"]
        if not actual:
            return [f"{where}: items are documented, got an empty array"]
        problems = []
        for index, item in enumerate(expected):
            problems += shape_mismatches(item, actual[min(index, len(actual) - 1)], f"{where}[{index}]")
        return problems
    return []


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()
