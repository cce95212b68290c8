"""Which outside services the suite runs against, found on its own, and what it skipped for want of them.

PostgreSQL: ``MEDLEY_TEST_POSTGRES_URL`` (an admin URL; the tests create and drop scratch databases from it).
When it is unset and a local server answers at ``DEFAULT_POSTGRES_URL``, that server is used, so a plain
``make test`` runs the PostgreSQL tests wherever PostgreSQL runs. ``MEDLEY_TEST_POSTGRES_URL=off`` opts out.
Redis: the tests that need it start their own ``redis-server`` (skipped when it is not installed).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable

import anyio
import asyncpg
import pytest

from tests.support.postgres import ADMIN_URL_ENV, dsn

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
_OFF = {"off", "0", "no", "false"}
_PROBE_SECONDS = 3.0


async def _answers(url: str) -> bool:
    try:
        connection = await asyncpg.connect(dsn(url), timeout=_PROBE_SECONDS)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await connection.close()
    return True


def find_postgres() -> str:
    """Set ``MEDLEY_TEST_POSTGRES_URL`` to a local server that answers, unless it is set; say what was chosen.

    Runs before xdist starts its workers, which inherit the variable.
    """
    given = os.environ.get(ADMIN_URL_ENV, "")
    if given.lower() in _OFF:
        os.environ.pop(ADMIN_URL_ENV, None)
        return f"PostgreSQL: off ({ADMIN_URL_ENV}={given})"
    if given:
        return f"PostgreSQL: {_redacted(given)} (from {ADMIN_URL_ENV})"
    if anyio.run(_answers, DEFAULT_POSTGRES_URL):
        os.environ[ADMIN_URL_ENV] = DEFAULT_POSTGRES_URL
        return f"PostgreSQL: {DEFAULT_POSTGRES_URL} (found on its own)"
    return f"PostgreSQL: none answered at {DEFAULT_POSTGRES_URL} and {ADMIN_URL_ENV} is unset"


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def skip_summary(skipped: Iterable[pytest.TestReport]) -> list[str]:
    """One line per skip reason, most frequent first."""
    reasons: Counter[str] = Counter()
    for report in skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    return [f"{count:5d} skipped: {reason}" for reason, count in reasons.most_common()]
