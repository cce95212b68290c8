"""Everything the gateway's store holds, as raw bytes, to prove that no patient data is kept in clear."""

from __future__ import annotations

from pathlib import Path

import anyio
import asyncpg
from sqlalchemy.engine import make_url

# The gateway's own tables that may see request or response data.
_TABLES = ("medley_idempotency_records", "medley_audit_events")


def sqlite_store_bytes(data_dir: Path) -> bytes:
    """The SQLite store file with its write-ahead log (recent writes may live only there)."""
    return b"".join(path.read_bytes() for path in sorted(data_dir.glob("medley.db*")))


async def _postgres_rows(url: str) -> bytes:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        chunks: list[bytes] = []
        for table in _TABLES:
            for row in await connection.fetch(f"SELECT * FROM {table}"):
                for value in row.values():
                    chunks.append(value if isinstance(value, bytes) else str(value).encode())
        return b"\n".join(chunks)
    finally:
        await connection.close()


def postgres_store_bytes(url: str) -> bytes:
    return anyio.run(_postgres_rows, url)
