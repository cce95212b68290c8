"""Suite-wide: find the outside services on their own, and end the run saying what was skipped and why."""

from __future__ import annotations

import compileall
import sys
from pathlib import Path

import pytest
from _pytest.terminal import TerminalReporter

from tests.support import seeded
from tests.support.postgres import admin_url
from tests.support.services import find_postgres, skip_summary

_SERVICES_KEY = pytest.StashKey[str]()
_SEEDED_KEY = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return  # xdist's workers inherit what the controller found and made (environment variables)
    config.stash[_SERVICES_KEY] = find_postgres()
    config.stash[_SEEDED_KEY] = seeded.start_run()
    _compile_medley()


def _compile_medley() -> None:
    """Write Medley's bytecode once, for the hundreds of processes the suite starts (``medley serve``, the CLI):
    with ``PYTHONDONTWRITEBYTECODE`` set, as on some machines, each would otherwise compile every module again
    (a third of a second each). A module edited later is simply compiled in memory again."""
    if sys.flags.dont_write_bytecode:
        import medley

        compileall.compile_dir(Path(medley.__file__).parent, quiet=2)


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_SEEDED_KEY, None)
    if folder is not None:
        seeded.end_run(folder, admin_url())
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
