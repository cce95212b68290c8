"""docs/operations.md lists every ``MEDLEY_*`` setting of ``config.py`` in its table, with the real default."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from medley.config import Settings
from tests.docs.doc_blocks import table_rows

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
_CODE = re.compile(r"`([^`]*)`")


def _settings_table() -> dict[str, str]:
    """Variable name -> its Default cell, from the rows whose first cell is a ``MEDLEY_*`` variable."""
    table: dict[str, str] = {}
    for row in table_rows(OPERATIONS.read_text(encoding="utf-8")):
        name = _CODE.fullmatch(row[0])
        if name and name.group(1).startswith("MEDLEY_") and len(row) >= 3:
            table[name.group(1)] = row[1]
    return table


def _documented_default(cell: str) -> str:
    code = _CODE.search(cell)
    return code.group(1) if code else cell.strip()


def _default_as_text(value: Any) -> str | None:
    """How the table writes a default; None for ``unset``."""
    if value is None:
        return None
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == "":
        return "empty"
    return str(value)


SETTINGS = sorted(Settings.model_fields.items())


@pytest.mark.parametrize(("field", "info"), SETTINGS, ids=[name for name, _ in SETTINGS])
def test_every_setting_is_in_the_table_with_its_default(field: str, info: Any) -> None:
    variable = f"MEDLEY_{field.upper()}"
    table = _settings_table()
    assert variable in table, f"docs/operations.md's settings table has no row for {variable}"
    expected = _default_as_text(info.default)
    documented = _documented_default(table[variable])
    if expected is None:
        assert documented.startswith("unset"), f"{variable} defaults to unset, the table says {documented!r}"
    elif isinstance(info.default, int | float) and not isinstance(info.default, bool):
        assert float(documented) == float(info.default), f"{variable}: default {info.default}, table {documented}"
    else:
        assert documented == expected, f"{variable}: default {expected!r}, the table says {documented!r}"


def test_the_table_lists_no_setting_that_does_not_exist() -> None:
    known = {f"MEDLEY_{name.upper()}" for name in Settings.model_fields}
    unknown = sorted(set(_settings_table()) - known)
    assert not unknown, f"docs/operations.md documents settings config.py does not have: {unknown}"
