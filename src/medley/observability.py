"""Logging set-up shared by ``medley serve`` and ``medley sandbox``.

Our own loggers write route templates, ids, statuses and timings only. Some libraries log full URLs
(query strings carry patient names) or payloads: they are kept at WARNING whatever the level asked for.
"""

from __future__ import annotations

import logging

QUIET_LOGGERS = ("httpx", "httpcore", "hpack", "multipart", "python_multipart", "sqlalchemy", "aiosqlite", "asyncpg")


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
