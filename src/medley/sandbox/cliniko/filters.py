"""Cliniko's ``q[]`` search language, parsed and applied onto SQLAlchemy selects.

Each filter is ``q[]=<field>:<operator><value>``; several are ANDed. The operators a field accepts
depend on its type (Cliniko's table, reference §3):

========== ===========================================================================
ids, ints  ``=`` (comma list: ``id:=1,2,3``) ``!=`` ``>`` ``>=`` ``<`` ``<=`` ``?`` ``!?``
strings    ``=`` ``!=`` ``~`` (contains, any case) ``~~`` (``%`` wildcards, any case) ``?`` ``!?``
dates      ``=`` (also with ``*`` wildcards: ``****-05-**``) ``>`` ``>=`` ``<`` ``<=`` ``?`` ``!?``
datetimes  ``>`` ``>=`` ``<`` ``<=`` ``?`` ``!?`` ``*`` (any, null included); never ``=``
booleans   ``=`` ``!=``
id arrays  ``~`` (contains)
========== ===========================================================================

``?`` is "not null", ``!?`` is "null". A field the endpoint does not list, an operator its type does
not take, or a value that does not parse is refused with 400 ``Invalid search: <why>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import SQLColumnExpression, String, and_, cast, false, true
from sqlalchemy.sql.elements import ColumnElement

from medley.sandbox.cliniko.errors import InvalidSearch, NullCharacter


class Kind(StrEnum):
    ID = "id"
    INTEGER = "integer"
    STRING = "string"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    ID_ARRAY = "id array"


_COMPARISONS = frozenset({">", ">=", "<", "<="})
_NULL_CHECKS = frozenset({"?", "!?"})
OPERATORS: Mapping[Kind, frozenset[str]] = {
    Kind.ID: frozenset({"=", "!="}) | _COMPARISONS | _NULL_CHECKS,
    Kind.INTEGER: frozenset({"=", "!="}) | _COMPARISONS | _NULL_CHECKS,
    Kind.STRING: frozenset({"=", "!=", "~", "~~"}) | _NULL_CHECKS,
    Kind.DATE: frozenset({"="}) | _COMPARISONS | _NULL_CHECKS,
    Kind.DATETIME: _COMPARISONS | _NULL_CHECKS | {"*"},
    Kind.BOOLEAN: frozenset({"=", "!="}),
    Kind.ID_ARRAY: frozenset({"~"}),
}
# Longest first, so ">=" is not read as ">" followed by "=...".
_OPERATOR_TOKENS = ("~~", "!=", ">=", "<=", "!?", "=", ">", "<", "~", "?", "*")
_DATE_PATTERN = re.compile(r"^[\d*]{4}-[\d*]{2}-[\d*]{2}$")
_PLAIN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^-?\d+$")
_LIKE_ESCAPE = "\\"
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_UTC_SUFFIXES = ("Z", "z", "+00:00", "+0000", "-00:00")


@dataclass(frozen=True, slots=True)
class FilterField:
    """One filterable field: a column, a containment test for arrays, or neither (always null)."""

    kind: Kind
    column: SQLColumnExpression[Any] | None = None
    contains: Callable[[int], ColumnElement[bool]] | None = None

    @property
    def sortable(self) -> bool:
        return self.column is not None and self.kind is not Kind.ID_ARRAY


FilterSpec = Mapping[str, FilterField]


def ids(column: SQLColumnExpression[Any]) -> FilterField:
    return FilterField(Kind.ID, column)


def integers(column: SQLColumnExpression[Any]) -> FilterField:
    return FilterField(Kind.INTEGER, column)


def strings(column: SQLColumnExpression[Any]) -> FilterField:
    return FilterField(Kind.STRING, column)


def dates(column: SQLColumnExpression[Any]) -> FilterField:
    return FilterField(Kind.DATE, column)


def instants(column: SQLColumnExpression[Any]) -> FilterField:
    return FilterField(Kind.DATETIME, column)


def booleans(column: SQLColumnExpression[Any]) -> FilterField:
    return FilterField(Kind.BOOLEAN, column)


def id_arrays(contains: Callable[[int], ColumnElement[bool]]) -> FilterField:
    return FilterField(Kind.ID_ARRAY, contains=contains)


def always_null(kind: Kind) -> FilterField:
    """A field Cliniko lists that the emulator never fills (e.g. ``deleted_at``): always null."""
    return FilterField(kind)


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    operator: str
    value: str

    def __str__(self) -> str:
        return f"{self.field}:{self.operator}{self.value}"


def raw_filters(query: Iterable[tuple[str, str]]) -> list[str]:
    """The ``q[]`` values of a query string (the legacy single ``q`` too)."""
    return [value for key, value in query if key in {"q[]", "q"}]


def parse_condition(raw: str) -> Condition:
    if "\x00" in raw:
        raise NullCharacter("search")
    field, separator, rest = raw.partition(":")
    field = field.strip()
    if not separator or not field:
        raise InvalidSearch(f"'{raw}' is not <field>:<operator><value>")
    for token in _OPERATOR_TOKENS:
        if rest.startswith(token):
            return Condition(field, token, rest[len(token) :])
    raise InvalidSearch(f"'{raw}' has no known operator")


def parse_conditions(raws: Iterable[str], spec: FilterSpec) -> list[Condition]:
    conditions = [parse_condition(raw) for raw in raws]
    for condition in conditions:
        field = spec.get(condition.field)
        if field is None:
            raise InvalidSearch(f"'{condition.field}' is not a filterable field here")
        if condition.operator not in OPERATORS[field.kind]:
            raise InvalidSearch(f"'{condition.operator}' is not an operator for {field.kind} field '{condition.field}'")
    return conditions


def where_clauses(
    conditions: Sequence[Condition], spec: FilterSpec, hidden: Sequence[str] = ()
) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``conditions``, plus ``<field> IS NULL`` for every ``hidden`` field the
    conditions do not mention: archived or cancelled records stay out unless asked for (``:*``)."""
    clauses = [_clause(condition, spec[condition.field]) for condition in conditions]
    mentioned = {condition.field for condition in conditions}
    for name in hidden:
        column = spec[name].column
        if name not in mentioned and column is not None:
            clauses.append(column.is_(None))
    return clauses


def _clause(condition: Condition, field: FilterField) -> ColumnElement[bool]:
    operator, value = condition.operator, condition.value
    if operator in _NULL_CHECKS or operator == "*":
        if value:
            raise InvalidSearch(f"'{condition}': '{operator}' takes no value")
        if field.column is None:
            return false() if operator == "?" else true()
        if operator == "*":
            return true()
        return field.column.is_not(None) if operator == "?" else field.column.is_(None)
    if field.kind is Kind.ID_ARRAY:
        return _contains_all(condition, field)
    parsed = _value(condition, field.kind)
    if field.column is None:
        return false()  # comparisons with a value never match null
    return _compare(field.column, operator, parsed, condition)


def _contains_all(condition: Condition, field: FilterField) -> ColumnElement[bool]:
    assert field.contains is not None
    wanted = _integer_list(condition)
    return and_(*(field.contains(item) for item in wanted))


def _compare(column: SQLColumnExpression[Any], operator: str, value: Any, condition: Condition) -> ColumnElement[bool]:
    if isinstance(value, list):
        return column.in_(value)
    if isinstance(value, _DatePattern):
        return cast(column, String).like(value.like_pattern)
    if operator == "~":
        return column.ilike(f"%{_escape_like(value)}%", escape=_LIKE_ESCAPE)
    if operator == "~~":
        pattern = value.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("_", _LIKE_ESCAPE + "_")
        return column.ilike(pattern, escape=_LIKE_ESCAPE)
    comparisons: dict[str, Callable[[], ColumnElement[bool]]] = {
        "=": lambda: column == value,
        "!=": lambda: column != value,
        ">": lambda: column > value,
        ">=": lambda: column >= value,
        "<": lambda: column < value,
        "<=": lambda: column <= value,
    }
    if operator not in comparisons:
        raise InvalidSearch(f"'{condition}' has an unsupported operator")
    return comparisons[operator]()


@dataclass(frozen=True, slots=True)
class _DatePattern:
    like_pattern: str


def _value(condition: Condition, kind: Kind) -> Any:
    value = condition.value
    if kind in {Kind.ID, Kind.INTEGER}:
        if condition.operator == "=":
            return _integer_list(condition)
        return _integer(value, condition)
    if kind is Kind.STRING:
        return value
    if kind is Kind.BOOLEAN:
        lowered = value.strip().lower()
        if lowered not in {"true", "false"}:
            raise InvalidSearch(f"'{condition}': '{value}' is not true or false")
        return lowered == "true"
    if kind is Kind.DATE:
        if condition.operator == "=" and "*" in value:
            if not _DATE_PATTERN.match(value):
                raise InvalidSearch(f"'{condition}': '{value}' is not a date pattern like ****-05-**")
            return _DatePattern(value.replace("*", "_"))
        return _date(value, condition)
    return _instant(value, condition)


def _integer(text: str, condition: Condition) -> int:
    if not _INTEGER.match(text.strip()):
        raise InvalidSearch(f"'{condition}': '{text}' is not an integer")
    value = int(text)
    if not _INT64_MIN <= value <= _INT64_MAX:
        # Beyond a 64-bit column: a clear 400, never a database overflow (a 500).
        raise InvalidSearch(f"'{condition}': '{text}' is out of range for a 64-bit integer")
    return value


def _integer_list(condition: Condition) -> list[int]:
    parts = condition.value.split(",")
    return [_integer(part, condition) for part in parts]


def _date(text: str, condition: Condition) -> date:
    if not _PLAIN_DATE.match(text):
        raise InvalidSearch(f"'{condition}': '{text}' is not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidSearch(f"'{condition}': '{text}' is not a valid date") from None


def _instant(text: str, condition: Condition) -> datetime:
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidSearch(f"'{condition}': '{text}' is not an ISO 8601 UTC time") from None
    # Cliniko's filter values must be UTC ("…Z"): another offset, or none, is refused rather than guessed.
    if not value.endswith(_UTC_SUFFIXES):
        raise InvalidSearch(f"'{condition}': '{text}' is not a UTC time (end it with Z)")
    return moment.astimezone(UTC)


def _escape_like(text: str) -> str:
    return (
        text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", _LIKE_ESCAPE + "%").replace("_", _LIKE_ESCAPE + "_")
    )


def order_clauses(sort: str | None, order: str | None, spec: FilterSpec) -> list[ColumnElement[Any]]:
    """``sort=field[:desc],...`` (then ``created_at``, ``id`` as tie-breakers); the deprecated
    ``order=asc|desc`` sets the direction of every field that names none (the default sort's too)."""
    if order is not None and order.lower() not in {"asc", "desc"}:
        raise InvalidSearch(f"'{order}' is not an order (asc or desc)")
    descending = order is not None and order.lower() == "desc"
    clauses: list[ColumnElement[Any]] = []
    used: set[str] = set()
    for item in (part.strip() for part in (sort or "").split(",")):
        if not item:
            continue
        name, _, direction = item.partition(":")
        field = spec.get(name)
        if field is None or not field.sortable or field.column is None:
            raise InvalidSearch(f"cannot sort by '{name}'")
        if direction not in {"", "asc", "desc"}:
            raise InvalidSearch(f"'{direction}' is not a sort direction (asc or desc)")
        backwards = direction == "desc" or (direction == "" and descending)
        clauses.append(field.column.desc() if backwards else field.column.asc())
        used.add(name)
    for name in ("created_at", "id"):
        column = spec[name].column
        if name not in used and column is not None:
            clauses.append(column.desc() if descending else column.asc())
    return clauses
