"""An application's EHR connections, with their credentials sealed under the master key and the client secret.

Every query starts from the application id, so one application can never reach another's rows.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, cast

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from medley.domain.errors import ErrorCode, MedleyError
from medley.store.crypto import seal, seal_for_workers, unseal, unseal_for_workers, verify_secret
from medley.store.database import Store
from medley.store.tables import ApplicationRow, ConnectionRow

ConnectionKind = Literal["sandbox", "live"]
CONNECTION_KINDS: tuple[ConnectionKind, ...] = ("sandbox", "live")
CREDENTIALS_PURPOSE = "credentials"

_EMR_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_MAX_BASE_URL = 500
_MAX_LABEL = 200


@dataclass(frozen=True, slots=True)
class Connection:
    """A connection as callers see it; the credentials stay sealed until ``decrypt_credentials``."""

    id: str
    application_id: str
    emr: str
    kind: ConnectionKind
    label: str
    base_url: str | None
    created_at: datetime
    encrypted_credentials: bytes = field(repr=False)
    worker_credentials: bytes | None = field(default=None, repr=False)


def _to_connection(row: ConnectionRow) -> Connection:
    return Connection(
        id=row.id,
        application_id=row.application_id,
        emr=row.emr,
        kind=cast(ConnectionKind, row.kind),
        label=row.label,
        base_url=row.base_url,
        created_at=row.created_at,
        encrypted_credentials=row.encrypted_credentials,
        worker_credentials=row.worker_credentials,
    )


def _bad_request(detail: str) -> MedleyError:
    return MedleyError(ErrorCode.BAD_REQUEST, detail)


def _validate(emr: str, kind: str, credentials: dict[str, str], base_url: str | None, label: str) -> None:
    if not _EMR_CODE.fullmatch(emr):
        raise _bad_request("The EHR code must be lower-case letters, digits or '_' (at most 32).")
    if kind not in CONNECTION_KINDS:
        raise _bad_request(f"The connection kind must be one of {', '.join(CONNECTION_KINDS)}.")
    if not credentials or not all(
        isinstance(name, str) and isinstance(value, str) and value for name, value in credentials.items()
    ):
        raise _bad_request("Credentials must be a non-empty mapping of non-empty strings.")
    if base_url is not None and (
        len(base_url) > _MAX_BASE_URL or not base_url.startswith(("http://", "https://"))
    ):
        raise _bad_request("The base URL must be an http(s) URL of at most 500 characters.")
    if len(label) > _MAX_LABEL:
        raise _bad_request("The label must be at most 200 characters.")


def _context(application_id: str, emr: str) -> tuple[str, str]:
    return (application_id, emr)


async def add_connection(
    store: Store,
    app_id: str,
    client_secret: str,
    emr: str,
    credentials: dict[str, str],
    *,
    kind: ConnectionKind = "live",
    base_url: str | None = None,
    label: str | None = None,
    master_key: str,
) -> Connection:
    """Connect application ``app_id`` to ``emr``, replacing any connection it had to that EHR.

    The client secret is checked first: it is half of the key the credentials are sealed with.
    Raises ``MedleyError`` NOT_FOUND (no such application), UNAUTHORIZED (wrong secret) or BAD_REQUEST.
    """
    async with store.sessions() as session:
        secret_hash = await session.scalar(
            select(ApplicationRow.secret_hash).where(ApplicationRow.id == app_id)
        )
    if secret_hash is None:
        raise MedleyError(ErrorCode.NOT_FOUND, "No application has this id.")
    if not await asyncio.to_thread(verify_secret, secret_hash, client_secret):
        raise MedleyError(ErrorCode.UNAUTHORIZED, "The client secret does not belong to this application.")
    return await write_connection(
        store, app_id, client_secret, emr, credentials,
        kind=kind, base_url=base_url, label=label, master_key=master_key,
    )


async def write_connection(
    store: Store,
    app_id: str,
    client_secret: str,
    emr: str,
    credentials: dict[str, str],
    *,
    kind: ConnectionKind,
    base_url: str | None,
    label: str | None,
    master_key: str,
) -> Connection:
    """Seal and save (replacing) the connection, trusting that the caller has verified ``client_secret``."""
    label = label if label is not None else f"{emr} ({kind})"
    _validate(emr, kind, credentials, base_url, label)
    sealed = seal(
        json.dumps(credentials, separators=(",", ":")).encode(),
        master_key=master_key, client_secret=client_secret,
        purpose=CREDENTIALS_PURPOSE, context=_context(app_id, emr),
    )
    for_workers = _seal_for_workers(credentials, app_id, emr, master_key)
    # Delete-then-insert in one transaction; a concurrent writer for the same (app, EHR) makes the
    # insert fail on the unique constraint, and we simply try again over its row.
    for attempt in range(3):
        row = ConnectionRow(
            id=uuid.uuid4().hex, application_id=app_id, emr=emr, kind=kind, label=label,
            encrypted_credentials=sealed, base_url=base_url, created_at=datetime.now(UTC),
            worker_credentials=for_workers,
        )
        try:
            async with store.sessions() as session, session.begin():
                await session.execute(
                    delete(ConnectionRow)
                    .where(ConnectionRow.application_id == app_id, ConnectionRow.emr == emr)
                )
                session.add(row)
            return _to_connection(row)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def list_connections(store: Store, app_id: str) -> list[Connection]:
    async with store.sessions() as session:
        rows = await session.scalars(
            select(ConnectionRow).where(ConnectionRow.application_id == app_id).order_by(ConnectionRow.emr)
        )
        return [_to_connection(row) for row in rows]


async def get_connection(store: Store, app_id: str, emr: str) -> Connection | None:
    async with store.sessions() as session:
        row = await session.scalar(
            select(ConnectionRow).where(ConnectionRow.application_id == app_id, ConnectionRow.emr == emr)
        )
        return _to_connection(row) if row is not None else None


def decrypt_credentials(connection: Connection, *, master_key: str, client_secret: str) -> dict[str, str]:
    """Open the connection's credentials; raises ``crypto.DecryptionError`` with a wrong key or secret."""
    plaintext = unseal(
        connection.encrypted_credentials,
        master_key=master_key, client_secret=client_secret,
        purpose=CREDENTIALS_PURPOSE, context=_context(connection.application_id, connection.emr),
    )
    credentials = json.loads(plaintext)
    if not isinstance(credentials, dict):
        raise TypeError("sealed credentials are not a mapping")
    return {str(key): str(value) for key, value in credentials.items()}


def _seal_for_workers(credentials: dict[str, str], app_id: str, emr: str, master_key: str) -> bytes:
    plaintext = json.dumps(credentials, separators=(",", ":")).encode()
    return seal_for_workers(plaintext, master_key=master_key, purpose=CREDENTIALS_PURPOSE, context=(app_id, emr))


async def ensure_worker_credentials(
    store: Store, connection: Connection, credentials: dict[str, str], *, master_key: str
) -> None:
    """Give a connection written before the sync existed its copy for workers (done on its first use by a
    client, the only moment its credentials are open)."""
    if connection.worker_credentials is not None:
        return
    sealed = _seal_for_workers(credentials, connection.application_id, connection.emr, master_key)
    async with store.sessions() as session, session.begin():
        await session.execute(
            update(ConnectionRow)
            .where(ConnectionRow.id == connection.id, ConnectionRow.worker_credentials.is_(None))
            .values(worker_credentials=sealed)
        )


async def list_all_connections(store: Store) -> list[Connection]:
    """Every application's connections: for the background sync only, which serves no client."""
    async with store.sessions() as session:
        rows = await session.scalars(select(ConnectionRow).order_by(ConnectionRow.created_at))
        return [_to_connection(row) for row in rows]


def open_worker_credentials(connection: Connection, *, master_key: str) -> dict[str, str] | None:
    """The credentials as a worker opens them; ``None`` until the connection has a copy for workers.
    Raises ``crypto.DecryptionError`` under another master key."""
    if connection.worker_credentials is None:
        return None
    plaintext = unseal_for_workers(
        connection.worker_credentials,
        master_key=master_key,
        purpose=CREDENTIALS_PURPOSE,
        context=_context(connection.application_id, connection.emr),
    )
    credentials = json.loads(plaintext)
    if not isinstance(credentials, dict):
        raise TypeError("sealed credentials are not a mapping")
    return {str(key): str(value) for key, value in credentials.items()}
