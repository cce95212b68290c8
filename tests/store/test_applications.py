from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr
from sqlalchemy import update

from medley.config import Settings
from medley.domain.errors import ErrorCode, MedleyError
from medley.store.applications import (
    Authenticator,
    create_application,
    ensure_sandbox_application,
    get_application_by_client_id,
    list_applications,
)
from medley.store.auth_throttle import AuthenticationBusy, TooManyAttempts
from medley.store.client_ids import ClientIdIndex, store_loader
from medley.store.connections import decrypt_credentials, get_connection, list_connections
from medley.store.crypto import DecryptionError
from medley.store.database import Store
from medley.store.tables import ApplicationRow
from tests.store.conftest import raw_contents


async def test_created_application_gets_a_secret_that_is_never_stored_in_clear(store: Store) -> None:
    application, secret = await create_application(store, "Front desk app")
    assert application.client_id.startswith("app_")
    assert len(secret) >= 43
    assert [a.client_id for a in await list_applications(store)] == [application.client_id]
    raw = await raw_contents(store)
    assert application.client_id.encode() in raw  # we are looking at the right data
    assert secret.encode() not in raw


async def test_client_ids_are_unique(store: Store) -> None:
    await create_application(store, "One", client_id="clinic-one")
    with pytest.raises(MedleyError) as caught:
        await create_application(store, "Two", client_id="clinic-one")
    assert caught.value.code is ErrorCode.CONFLICT


async def test_invalid_names_ids_and_secrets_are_refused(store: Store) -> None:
    for kwargs in (
        {"name": " "},
        {"name": "ok", "client_id": "has space"},
        {"name": "ok", "client_secret": "short"},
    ):
        with pytest.raises(MedleyError) as caught:
            await create_application(store, **kwargs)
        assert caught.value.code is ErrorCode.BAD_REQUEST


async def test_right_secret_authenticates_and_wrong_or_unknown_does_not(
    store: Store, settings: Settings
) -> None:
    application, secret = await create_application(store, "App")
    authenticator = Authenticator(store, settings)
    assert await authenticator.authenticate(application.client_id, secret, "10.0.0.1") == application
    assert await authenticator.authenticate(application.client_id, secret + "x", "10.0.0.2") is None
    assert await authenticator.authenticate("app_unknown", secret, "10.0.0.3") is None


async def test_disabled_application_cannot_authenticate(store: Store, settings: Settings) -> None:
    application, secret = await create_application(store, "App")
    async with store.sessions() as session, session.begin():
        await session.execute(
            update(ApplicationRow)
            .where(ApplicationRow.id == application.id)
            .values(disabled_at=datetime.now(UTC))
        )
    assert await Authenticator(store, settings).authenticate(application.client_id, secret, "h") is None


async def test_remembered_verification_skips_the_slow_hash(store: Store, settings: Settings) -> None:
    application, secret = await create_application(store, "App")
    authenticator = Authenticator(store, settings)
    started = time.perf_counter()
    assert await authenticator.authenticate(application.client_id, secret, "h") is not None
    first = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(100):
        assert await authenticator.authenticate(application.client_id, secret, "h") is not None
    per_call = (time.perf_counter() - started) / 100
    assert per_call < first / 50, (first, per_call)
    # A wrong secret never rides on the remembered success.
    assert await authenticator.authenticate(application.client_id, secret[:-1], "h") is None


async def test_nothing_is_remembered_when_the_cache_is_off(store: Store, settings: Settings) -> None:
    application, secret = await create_application(store, "App")
    authenticator = Authenticator(store, settings.model_copy(update={"auth_cache_seconds": 0.0}))
    await authenticator.authenticate(application.client_id, secret, "h")
    started = time.perf_counter()
    await authenticator.authenticate(application.client_id, secret, "h")
    assert time.perf_counter() - started > 0.005  # paid the hash again


async def test_failed_attempts_are_throttled_per_client_id_and_source(
    store: Store, settings: Settings
) -> None:
    application, secret = await create_application(store, "App")
    authenticator = Authenticator(store, settings)  # 3 failures per minute
    for _ in range(3):
        assert (
            await authenticator.authenticate(application.client_id, "wrong-secret-guess", "6.6.6.6") is None
        )
    with pytest.raises(TooManyAttempts) as caught:
        await authenticator.authenticate(application.client_id, "another-guess", "6.6.6.6")
    assert 0 < caught.value.retry_after <= 60
    # Even the right secret is refused from the throttled source: the throttle is no oracle.
    with pytest.raises(TooManyAttempts):
        await authenticator.authenticate(application.client_id, secret, "6.6.6.6")
    # The rightful client elsewhere is unaffected.
    assert await authenticator.authenticate(application.client_id, secret, "10.1.1.1") == application


async def test_throttled_attempts_do_not_cost_a_hash(store: Store, settings: Settings) -> None:
    authenticator = Authenticator(store, settings)
    for _ in range(3):
        await authenticator.authenticate("app_unknown", "guess", "6.6.6.6")
    started = time.perf_counter()
    with pytest.raises(TooManyAttempts):
        await authenticator.authenticate("app_unknown", "guess", "6.6.6.6")
    assert time.perf_counter() - started < 0.005


async def test_an_unknown_client_id_costs_no_slow_hash(store: Store, settings: Settings) -> None:
    # Client ids are not secrets: refusing an unknown one at once is what keeps a flood of random ids cheap.
    application, _ = await create_application(store, "App")
    authenticator = Authenticator(store, settings.model_copy(update={"auth_failures_per_minute": 0}))

    async def cpu(client_id: str, source: str) -> float:
        # Processor time of the whole process (the hash runs in a worker thread), not wall time: an unknown id
        # may wait for the index of client ids to reload, which costs nothing.
        started = time.process_time()
        assert await authenticator.authenticate(client_id, "wrong-guess", source) is None
        return time.process_time() - started

    known = min([await cpu(application.client_id, f"10.0.0.{i}") for i in range(3)])
    unknown = max([await cpu(f"app_random_{i}", f"10.0.1.{i}") for i in range(3)])
    assert unknown < known / 5, (known, unknown)


async def test_an_application_created_a_moment_ago_is_found_at_once(store: Store, settings: Settings) -> None:
    authenticator = Authenticator(store, settings)
    assert await authenticator.authenticate("app_not_yet", "guess", "10.0.2.1") is None  # loads the index
    application, secret = await create_application(store, "Brand new")
    assert await authenticator.authenticate(application.client_id, secret, "10.0.2.2") == application


async def test_failures_are_limited_per_address_whatever_the_client_id(store: Store, settings: Settings) -> None:
    authenticator = Authenticator(
        store,
        settings.model_copy(update={"auth_address_failures_per_minute": 5}),
        client_ids=ClientIdIndex(store_loader(store), reload_interval=0.0),  # no pause between misses here
    )
    for i in range(5):
        assert await authenticator.authenticate(f"app_random_{i}", "guess", "6.6.6.6") is None
    with pytest.raises(TooManyAttempts) as caught:
        await authenticator.authenticate("app_random_new", "guess", "6.6.6.6")
    assert 0 < caught.value.retry_after <= 60
    # One IPv6 subscriber holds a /64: its addresses count together.
    for i in range(5):
        assert await authenticator.authenticate(f"app_random_{i}", "guess", f"2001:db8::{i + 1}") is None
    with pytest.raises(TooManyAttempts):
        await authenticator.authenticate("app_random_new", "guess", "2001:db8::ffff")
    assert await authenticator.authenticate("app_random_new", "guess", "7.7.7.7") is None


async def test_slow_hashes_beyond_the_gate_are_refused_at_once(store: Store, settings: Settings) -> None:
    application, secret = await create_application(store, "App")
    authenticator = Authenticator(
        store, settings.model_copy(update={"auth_max_concurrent_hashes": 1, "auth_failures_per_minute": 0})
    )
    outcomes = await asyncio.gather(
        *(authenticator.authenticate(application.client_id, f"guess-{i}", f"10.2.0.{i}") for i in range(8)),
        return_exceptions=True,
    )
    busy = [o for o in outcomes if isinstance(o, AuthenticationBusy)]
    assert busy and all(o is None or isinstance(o, AuthenticationBusy) for o in outcomes), outcomes
    # One running and one in line: the rest were refused without waiting.
    assert len(busy) == 6, outcomes
    assert await authenticator.authenticate(application.client_id, secret, "10.3.0.1") == application


async def test_concurrent_identical_logins_share_one_verification(store: Store, settings: Settings) -> None:
    application, secret = await create_application(store, "App")
    authenticator = Authenticator(store, settings)
    results = await asyncio.gather(
        *(authenticator.authenticate(application.client_id, secret, "h") for _ in range(20))
    )
    assert all(result == application for result in results)


async def test_sandbox_application_is_made_once_with_its_sealed_connection(
    store: Store, settings: Settings
) -> None:
    first, second = await asyncio.gather(
        ensure_sandbox_application(store, settings), ensure_sandbox_application(store, settings)
    )
    third = await ensure_sandbox_application(store, settings)
    assert first.id == second.id == third.id
    assert first.client_id == settings.sandbox_client_id
    connections = await list_connections(store, first.id)
    assert sorted((c.emr, c.kind) for c in connections) == [("acuity", "sandbox"), ("cliniko", "sandbox")]
    credentials = {
        connection.emr: decrypt_credentials(
            connection,
            master_key=settings.master_key.get_secret_value(),
            client_secret=settings.sandbox_client_secret.get_secret_value(),
        )
        for connection in connections
    }
    assert credentials["cliniko"] == {"api_key": settings.sandbox_api_key.get_secret_value()}
    assert credentials["acuity"] == {
        "user_id": settings.sandbox_acuity_user_id,
        "api_key": settings.sandbox_acuity_api_key.get_secret_value(),
    }
    stored = await raw_contents(store)
    assert settings.sandbox_api_key.get_secret_value().encode() not in stored
    assert settings.sandbox_acuity_api_key.get_secret_value().encode() not in stored
    secret = settings.sandbox_client_secret.get_secret_value()
    assert await Authenticator(store, settings).authenticate(settings.sandbox_client_id, secret, "h") == first


async def test_sandbox_secret_and_key_changes_are_applied_at_next_start(
    store: Store, settings: Settings
) -> None:
    original = await ensure_sandbox_application(store, settings)
    changed = settings.model_copy(
        update={
            "sandbox_client_secret": SecretStr("a-brand-new-sandbox-secret"),
            "sandbox_api_key": SecretStr("MS0xLW5ldy1rZXk-au1"),
        }
    )
    again = await ensure_sandbox_application(store, changed)
    assert again.id == original.id
    authenticator = Authenticator(store, changed)
    old_secret = settings.sandbox_client_secret.get_secret_value()
    assert await authenticator.authenticate(changed.sandbox_client_id, old_secret, "h") is None
    assert (
        await authenticator.authenticate(changed.sandbox_client_id, "a-brand-new-sandbox-secret", "h")
        == again
    )
    connection = await get_connection(store, again.id, "cliniko")
    assert connection is not None
    master_key = settings.master_key.get_secret_value()
    assert decrypt_credentials(
        connection, master_key=master_key, client_secret="a-brand-new-sandbox-secret"
    ) == {"api_key": "MS0xLW5ldy1rZXk-au1"}
    with pytest.raises(DecryptionError):
        decrypt_credentials(connection, master_key=master_key, client_secret=old_secret)


async def test_lookup_by_client_id(store: Store) -> None:
    application, _ = await create_application(store, "App")
    assert await get_application_by_client_id(store, application.client_id) == application
    assert await get_application_by_client_id(store, "app_nobody") is None
