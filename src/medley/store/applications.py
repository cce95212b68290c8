"""Applications (API clients) and how they authenticate.

A client secret is only ever kept as an Argon2id hash. The ``Authenticator`` remembers a successful
verification for a short while under a keyed digest, so the slow hash is paid once per client per
``auth_cache_seconds`` rather than on every request; ``auth_throttle`` keeps failures and slow hashes
bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
import re
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from medley.config import Settings
from medley.domain.errors import ErrorCode, MedleyError
from medley.store.auth_throttle import FailureWindow, HashGate, address_key
from medley.store.client_ids import ClientIdIndex, store_loader
from medley.store.connections import (
    decrypt_credentials,
    ensure_worker_credentials,
    get_connection,
    write_connection,
)
from medley.store.crypto import (
    DecryptionError,
    generate_client_id,
    generate_client_secret,
    hash_secret,
    secret_hash_needs_update,
    verify_secret,
)
from medley.store.database import Store
from medley.store.tables import ApplicationRow

logger = logging.getLogger(__name__)

_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_MAX_CLIENT_ID = 128
_MAX_NAME = 200
_MIN_SECRET = 16
_MAX_SECRET = 256
SANDBOX_EMR = "cliniko"


@dataclass(frozen=True, slots=True)
class Application:
    """An API client, as callers see it (its secret hash stays in the store)."""

    id: str
    name: str
    client_id: str
    created_at: datetime
    disabled_at: datetime | None = None

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


def _to_application(row: ApplicationRow) -> Application:
    return Application(
        id=row.id, name=row.name, client_id=row.client_id,
        created_at=row.created_at, disabled_at=row.disabled_at,
    )


async def create_application(
    store: Store, name: str, *, client_id: str | None = None, client_secret: str | None = None
) -> tuple[Application, str]:
    """Create an application; returns it with its client secret, the only time the secret is seen in clear.

    Raises ``MedleyError`` BAD_REQUEST for an invalid name, id or secret, CONFLICT if the client id is taken.
    """
    name = name.strip()
    if not 0 < len(name) <= _MAX_NAME:
        raise MedleyError(ErrorCode.BAD_REQUEST, "The application name must be 1 to 200 characters.")
    client_id = client_id if client_id is not None else generate_client_id()
    if not _CLIENT_ID.fullmatch(client_id):
        raise MedleyError(ErrorCode.BAD_REQUEST, "A client id is 1 to 128 letters, digits, '.', '_' or '-'.")
    client_secret = client_secret if client_secret is not None else generate_client_secret()
    if not _MIN_SECRET <= len(client_secret) <= _MAX_SECRET:
        raise MedleyError(ErrorCode.BAD_REQUEST, "A client secret is 16 to 256 characters.")
    row = ApplicationRow(
        id=uuid.uuid4().hex, name=name, client_id=client_id,
        secret_hash=await asyncio.to_thread(hash_secret, client_secret), created_at=datetime.now(UTC),
    )
    try:
        async with store.sessions() as session, session.begin():
            session.add(row)
    except IntegrityError:
        raise MedleyError(ErrorCode.CONFLICT, "An application with this client id already exists.") from None
    return _to_application(row), client_secret


async def list_applications(store: Store) -> list[Application]:
    async with store.sessions() as session:
        rows = await session.scalars(
            select(ApplicationRow).order_by(ApplicationRow.created_at, ApplicationRow.id)
        )
        return [_to_application(row) for row in rows]


async def get_application_by_client_id(store: Store, client_id: str) -> Application | None:
    async with store.sessions() as session:
        row = await session.scalar(select(ApplicationRow).where(ApplicationRow.client_id == client_id))
        return _to_application(row) if row is not None else None


async def _load_with_hash(store: Store, client_id: str) -> tuple[Application, str] | None:
    async with store.sessions() as session:
        row = await session.scalar(select(ApplicationRow).where(ApplicationRow.client_id == client_id))
        return (_to_application(row), row.secret_hash) if row is not None else None


async def _set_secret_hash(store: Store, app_id: str, secret_hash: str) -> None:
    async with store.sessions() as session, session.begin():
        await session.execute(
            update(ApplicationRow).where(ApplicationRow.id == app_id).values(secret_hash=secret_hash)
        )


class Authenticator:
    """Checks client id + secret, with a short in-memory memory of successes, throttles on failures (per
    client id and address, and per address alone) and a bounded gate for the slow hash."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        max_cached: int = 10_000,
        max_tracked_sources: int = 10_000,
        client_ids: ClientIdIndex | None = None,
    ) -> None:
        self._store = store
        self._client_ids = client_ids or ClientIdIndex(store_loader(store))
        self._cache_seconds = settings.auth_cache_seconds
        self._max_cached = max_cached
        # A per-process key: the cache's digests are worthless outside this process.
        # Keyed once: every digest copies this state instead of keying again (on every request, twice).
        self._keyed = hmac.new(os.urandom(32), digestmod=hashlib.sha256)
        self._cache: OrderedDict[bytes, tuple[Application, float]] = OrderedDict()
        self._per_client: FailureWindow[tuple[str, str]] = FailureWindow(
            settings.auth_failures_per_minute, max_keys=max_tracked_sources
        )
        self._per_address: FailureWindow[str] = FailureWindow(
            settings.auth_address_failures_per_minute, max_keys=max_tracked_sources
        )
        self._in_flight: dict[bytes, asyncio.Future[Application | None]] = {}
        self._hashes = HashGate(settings.auth_max_concurrent_hashes)

    async def authenticate(self, client_id: str, client_secret: str, source: str) -> Application | None:
        """The enabled application these credentials name, or None. Raises ``TooManyAttempts`` when
        ``source`` has failed too often (for this client id, or for any) in the last minute, and
        ``AuthenticationBusy`` when too many slow hashes are already running or waiting."""
        digest = self._digest(client_id, client_secret)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None:
            if cached[1] > now:
                return cached[0]
            self._cache.pop(digest, None)
        address = address_key(source)
        client_key = (client_id[:_MAX_CLIENT_ID], address)
        self._per_address.check(address, now)
        self._per_client.check(client_key, now)
        if len(client_id) > _MAX_CLIENT_ID or len(client_secret) > _MAX_SECRET:
            application = None  # no such credentials can exist; not worth a hash
        else:
            application = await self._verify_once(digest, client_id, client_secret)
        if application is None:
            self._per_client.record(client_key)
            self._per_address.record(address)
            return None
        self._per_client.clear(client_key)
        self._remember(digest, application)
        return application

    def _digest(self, client_id: str, client_secret: str) -> bytes:
        """The fast keyed digest remembered verifications are kept under (never the secret itself)."""
        keyed = self._keyed.copy()
        keyed.update(f"{len(client_id)}:{client_id}{client_secret}".encode())
        return keyed.digest()

    def remembers(self, client_id: str, client_secret: str) -> bool:
        """Whether these credentials were verified a moment ago (no hash, no store read, no throttle)."""
        digest = self._digest(client_id, client_secret)
        cached = self._cache.get(digest)
        return cached is not None and cached[1] > time.monotonic()

    def forget(self) -> None:
        """Drop every remembered verification (e.g. after disabling an application or changing a secret)."""
        self._cache.clear()

    async def _verify_once(self, digest: bytes, client_id: str, client_secret: str) -> Application | None:
        # Identical credentials arriving together share one verification.
        pending = self._in_flight.get(digest)
        if pending is None:
            pending = asyncio.ensure_future(self._verify(client_id, client_secret))
            self._in_flight[digest] = pending
            pending.add_done_callback(lambda _: self._in_flight.pop(digest, None))
        return await asyncio.shield(pending)

    async def _verify(self, client_id: str, client_secret: str) -> Application | None:
        # Client ids are not secrets (they travel in every request, like a user name): an unknown or disabled
        # one is refused without the slow hash, and an unknown one without a query of its own either.
        if not await self._client_ids.may_exist(client_id):
            return None
        found = await _load_with_hash(self._store, client_id)
        if found is None or found[0].disabled:
            return None
        application, secret_hash = found
        async with self._hashes.slot():
            if not await asyncio.to_thread(verify_secret, secret_hash, client_secret):
                return None
            if secret_hash_needs_update(secret_hash):
                try:
                    new_hash = await asyncio.to_thread(hash_secret, client_secret)
                    await _set_secret_hash(self._store, application.id, new_hash)
                except Exception:  # upgrading the hash is best effort; the caller is authenticated either way
                    logger.warning("could not upgrade the secret hash of application %s", application.id)
        return application

    def _remember(self, digest: bytes, application: Application) -> None:
        if self._cache_seconds <= 0:
            return
        self._cache[digest] = (application, time.monotonic() + self._cache_seconds)
        self._cache.move_to_end(digest)
        while len(self._cache) > self._max_cached:
            self._cache.popitem(last=False)


async def ensure_sandbox_application(store: Store, settings: Settings) -> Application:
    """Make sure the built-in sandbox application exists with the configured secret, and that its sandbox
    connections (``cliniko`` and ``acuity``) hold the configured emulators' credentials. Safe to run at every start,
    from several replicas at once."""
    client_id = settings.sandbox_client_id
    client_secret = settings.sandbox_client_secret.get_secret_value()
    master_key = settings.master_key.get_secret_value()
    found = await _load_with_hash(store, client_id)
    if found is None:
        try:
            application, _ = await create_application(
                store, "Sandbox", client_id=client_id, client_secret=client_secret
            )
        except MedleyError as exc:
            if exc.code is not ErrorCode.CONFLICT:
                raise
            # Another replica created it a moment ago.
            application = await _ensure_secret(store, client_id, client_secret)
    else:
        application = await _ensure_secret(store, client_id, client_secret)

    for emr, (label, wanted) in sandbox_credentials(settings).items():
        connection = await get_connection(store, application.id, emr)
        current: dict[str, str] | None = None
        if connection is not None and connection.kind == "sandbox":
            with contextlib.suppress(DecryptionError):
                current = decrypt_credentials(connection, master_key=master_key, client_secret=client_secret)
        if current == wanted and connection is not None:
            await ensure_worker_credentials(store, connection, wanted, master_key=master_key)
        if current != wanted:
            await write_connection(
                store, application.id, client_secret, emr, wanted,
                kind="sandbox", base_url=None, label=label, master_key=master_key,
            )
            logger.info("sandbox %s connection (re)written for application %s", emr, application.id)
    return application


def sandbox_credentials(settings: Settings) -> dict[str, tuple[str, dict[str, str]]]:
    """The sandbox application's connection per EHR: a label and the credentials of that EHR's emulator."""
    return {
        SANDBOX_EMR: ("Cliniko sandbox", {"api_key": settings.sandbox_api_key.get_secret_value()}),
        "acuity": (
            "Acuity sandbox",
            {
                "user_id": settings.sandbox_acuity_user_id,
                "api_key": settings.sandbox_acuity_api_key.get_secret_value(),
            },
        ),
    }


async def _ensure_secret(store: Store, client_id: str, client_secret: str) -> Application:
    found = await _load_with_hash(store, client_id)
    if found is None:
        raise MedleyError(ErrorCode.NOT_FOUND, "The sandbox application vanished while being set up.")
    application, secret_hash = found
    if not await asyncio.to_thread(verify_secret, secret_hash, client_secret):
        await _set_secret_hash(store, application.id, await asyncio.to_thread(hash_secret, client_secret))
        logger.info("sandbox application %s: client secret changed, hash replaced", application.id)
    return application
