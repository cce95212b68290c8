"""Suite-wide: find the outside services on their own, and end the run saying what was skipped and why."""

from __future__ import annotations

import pytest
from _pytest.terminal import TerminalReporter

from tests.support.services import find_postgres, skip_summary

_SERVICES_KEY = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_SERVICES_KEY] = find_postgres()


def pytest_unconfigure(config: pytest.Config) -> None:
    # Printed after pytest's final line, so a skip for want of a service cannot go unnoticed.
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if not isinstance(reporter, TerminalReporter) or hasattr(config, "workerinput"):
        return
    skipped = [r for r in reporter.stats.get("skipped", []) if isinstance(r, pytest.TestReport)]
    reporter.write_sep("=", "services and skips", bold=True, yellow=bool(skipped))
    reporter.write_line(config.stash.get(_SERVICES_KEY, "PostgreSQL: not probed"))
    reporter.write_line("Redis: each test that needs it starts its own redis-server")
    if not skipped:
        reporter.write_line("nothing skipped")
    for line in skip_summary(skipped):
        reporter.write_line(line, yellow=True)
