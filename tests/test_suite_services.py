"""``make test`` finds a local PostgreSQL on its own, and a run ends by saying what it skipped and why
(the suite's own plugin, ``tests/conftest.py``, in a pytest run of its own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.postgres import ADMIN_URL_ENV

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[1]
TESTS = """
import os
import pytest

def test_needs_postgres():
    if not os.environ.get("MEDLEY_TEST_POSTGRES_URL"):
        pytest.skip("MEDLEY_TEST_POSTGRES_URL is not set")

def test_plain():
    pass
"""


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, postgres: str) -> list[str]:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv(ADMIN_URL_ENV, postgres)
    pytester.makepyfile(test_story=TESTS)
    result = pytester.runpytest_subprocess("-p", "tests.conftest", "-q")
    return [line for line in result.outlines if line.strip()]


def test_a_run_without_postgres_ends_saying_what_it_skipped_and_why(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = _run(pytester, monkeypatch, "off")
    last = "\n".join(lines[-4:])
    assert "services and skips" in last and "PostgreSQL: off" in last, last
    assert lines[-1].strip() == "1 skipped: MEDLEY_TEST_POSTGRES_URL is not set", last


def test_a_local_postgresql_is_found_on_its_own(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    import anyio

    from tests.support.services import DEFAULT_POSTGRES_URL, _answers

    if not anyio.run(_answers, DEFAULT_POSTGRES_URL):
        pytest.skip(f"no PostgreSQL answers at {DEFAULT_POSTGRES_URL}")
    lines = _run(pytester, monkeypatch, "")
    assert f"PostgreSQL: {DEFAULT_POSTGRES_URL} (found on its own)" in lines
    assert lines[-1].strip() == "nothing skipped", lines[-6:]
