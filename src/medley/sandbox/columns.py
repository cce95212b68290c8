"""Column types the emulators' tables share: 64-bit ids that auto-increment everywhere, and UTC instants."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Integer, TypeDecorator
from sqlalchemy.engine import Dialect

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a real BIGINT identity.
Id = BigInteger().with_variant(Integer(), "sqlite")


class _UtcDateTime(TypeDecorator[datetime]):
    """An aware instant, stored and returned in UTC on every database.

    SQLite keeps no offset: without this, an aware non-UTC value would be stored as its local wall
    clock and every value would come back naive. Naive values are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"Naive datetime {value.isoformat()}: the emulator stores aware instants only.")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDateTime = _UtcDateTime()
