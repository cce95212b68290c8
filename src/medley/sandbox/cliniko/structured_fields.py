"""Structured request fields Cliniko's document defines: pronouns, patient custom fields, repeat rules.

Each reader takes a `FieldReader`, returns ``MISSING`` when the body lacks the key, ``None`` for an
explicit null, the (checked) value otherwise, and records ``<field>: is invalid`` when the value breaks
the documented shape (Cliniko's 422; the document does not spell out finer messages).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from medley.sandbox.cliniko.bodies import MISSING, FieldReader
from medley.sandbox.cliniko.errors import IS_INVALID

PRONOUN_FORMS: Final = ("accusative", "nominative", "predicative_possessive", "pronominal_possessive", "reflexive")
_PRONOUN_MAX = 50
REPEAT_TYPES: Final = ("Daily", "Weekly", "Monthly")
_REPEAT_LIMITS: Final = {"number_of_repeats": 51, "repeating_interval": 100}
"""The document's maxima for individual appointments and unavailable blocks (availability blocks: 100 repeats)."""
_CUSTOM_FIELD_TYPES: Final = ("text", "paragraph", "date", "checkboxes", "radiobuttons")


def read_pronouns(reader: FieldReader) -> Any:
    """All five forms, each a string of at most 50 characters, or null."""
    value = reader.body.get("pronouns", MISSING)
    if value is MISSING or value is None:
        return value
    valid = isinstance(value, dict) and all(
        isinstance(value.get(form), str) and len(value[form]) <= _PRONOUN_MAX for form in PRONOUN_FORMS
    )
    if not valid:
        reader.fail("pronouns", IS_INVALID)
        return None
    return {form: value[form] for form in PRONOUN_FORMS}


def read_custom_fields(reader: FieldReader) -> Any:
    """``{"sections": [{"token", "name"?, "archived"?, "fields": [field, …]}]}`` or null, stored as sent."""
    value = reader.body.get("custom_fields", MISSING)
    if value is MISSING or value is None:
        return value
    if not (isinstance(value, dict) and isinstance(value.get("sections"), list)):
        reader.fail("custom_fields", IS_INVALID)
        return None
    for section in value["sections"]:
        if not (_tokened(section) and isinstance(section.get("fields"), list)):
            reader.fail("custom_fields", IS_INVALID)
            return None
        if not all(_custom_field(field) for field in section["fields"]):
            reader.fail("custom_fields", IS_INVALID)
            return None
    return value


def _tokened(item: Any) -> bool:
    """An object with a string ``token``, an optional string ``name`` and an optional boolean ``archived``."""
    return (
        isinstance(item, dict)
        and isinstance(item.get("token"), str)
        and isinstance(item.get("name"), str | None)
        and isinstance(item.get("archived"), bool | None)
    )


def _custom_field(field: Any) -> bool:
    if not _tokened(field):
        return False
    kind = field.get("type")
    if kind is not None and kind not in _CUSTOM_FIELD_TYPES:
        return False
    if "value" in field and not isinstance(field["value"], str):
        return False
    options = field.get("options", [])
    if not isinstance(options, list) or not all(
        _tokened(option) and isinstance(option.get("selected", True), bool) for option in options
    ):
        return False
    other = field.get("other", {})
    return isinstance(other, dict) and isinstance(other.get("value", ""), str)


def read_repeat_rule(reader: FieldReader, *, max_repeats: int = _REPEAT_LIMITS["number_of_repeats"]) -> Any:
    """``{"repeat_type", "repeating_interval", "number_of_repeats"}`` or null; a rule that repeats needs all three.

    The numbers are integers in 1..max (the document's exclusive minimum of 0); a type outside Daily,
    Weekly, Monthly is ``is not included in the list``-worthy, reported as the rule being invalid.
    """
    value = reader.body.get("repeat_rule", MISSING)
    if value is MISSING or value is None:
        return value
    if not isinstance(value, dict):
        reader.fail("repeat_rule", IS_INVALID)
        return None
    limits = {**_REPEAT_LIMITS, "number_of_repeats": max_repeats}
    rule = {name: value.get(name) for name in ("repeat_type", "repeating_interval", "number_of_repeats")}
    if all(item is None for item in rule.values()):
        return None
    if rule["repeat_type"] not in REPEAT_TYPES or not all(
        _bounded(rule[name], maximum) for name, maximum in limits.items()
    ):
        reader.fail("repeat_rule", IS_INVALID)
        return None
    return rule


def _bounded(value: Any, maximum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= maximum


def repeat_rule_or_none(rule: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The stored rule as the wire shows it (all three keys), or null."""
    if not rule:
        return None
    return {name: rule.get(name) for name in ("number_of_repeats", "repeat_type", "repeating_interval")}
