from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from medley.store.applications import Application, create_application
from medley.store.database import Store
from medley.store.idempotency import Begin, IdempotencyStore, Outcome
from tests.store.conftest import raw_contents

MASTER = "test-master-key"
DAY = timedelta(hours=24)
BODY = b'{"first_name":"Ada","last_name":"Lovelace"}'
RESPONSE = b'[{"id":"42","patient_id":"7","comment":"Ada has a sore knee"}]'


@pytest.fixture
async def app_and_secret(store: Store) -> tuple[Application, str]:
    return await create_application(store, "App")


def _fingerprint(keys: IdempotencyStore, secret: str, body: bytes = BODY) -> str:
    return keys.fingerprint("POST", "/api/emrs/cliniko/care-units/1/appointments", body, client_secret=secret)


async def test_first_request_proceeds_and_a_retry_replays_its_response(
    store: Store, app_and_secret: tuple[Application, str]
) -> None:
    application, secret = app_and_secret
    keys = IdempotencyStore(store, master_key=MASTER)
    fingerprint = _fingerprint(keys, secret)
    assert await keys.begin(application.id, "key-1", fingerprint, DAY, client_secret=secret) == Begin(
        Outcome.PROCEED
    )
    await keys.complete(application.id, "key-1", 201, RESPONSE, client_secret=secret)
    replay = await keys.begin(application.id, "key-1", fingerprint, DAY, client_secret=secret)
    assert replay == Begin(Outcome.REPLAY, 201, RESPONSE)


async def test_the_same_key_with_another_request_is_a_mismatch(
    store: Store, app_and_secret: tuple[Application, str]
) -> None:
    application, secret = app_and_secret
    keys = IdempotencyStore(store, master_key=MASTER)
    await keys.begin(application.id, "key-1", _fingerprint(keys, secret), DAY, client_secret=secret)
    other = _fingerprint(keys, secret, BODY.replace(b"Ada", b"Bob"))
    assert (
        await keys.begin(application.id, "key-1", other, DAY, client_secret=secret)
    ).outcome is Outcome.MISMATCH
    await keys.complete(application.id, "key-1", 201, RESPONSE, client_secret=secret)
    assert (
        await keys.begin(application.id, "key-1", other, DAY, client_secret=secret)
    ).outcome is Outcome.MISMATCH


async def test_a_duplicate_while_the_first_runs_is_told_so_and_abandon_frees_the_key(
    store: Store, app_and_secret: tuple[Application, str]
) -> None:
    application, secret = app_and_secret
    keys = IdempotencyStore(store, master_key=MASTER)
    fingerprint = _fingerprint(keys, secret)
    await keys.begin(application.id, "key-1", fingerprint, DAY, client_secret=secret)
    duplicate = await keys.begin(application.id, "key-1", fingerprint, DAY, client_secret=secret)
    assert duplicate.outcome is Outcome.IN_PROGRESS
    await keys.abandon(application.id, "key-1")
    retry = await keys.begin(application.id, "key-1", fingerprint, DAY, client_secret=secret)
    assert retry.outcome is Outcome.PROCEED


async def test_concurrent_duplicates_let_exactly_one_proceed(
    store: Store, store_url: str, app_and_secret: tuple[Application, str]
) -> None:
    application, secret = app_and_secret
    # Two replicas (two engines on one database), ten requests each, all with one key.
    replicas = [store, Store.from_url(store_url)]
    try:
        stores = [IdempotencyStore(replica, master_key=MASTER) for replica in replicas]
        fingerprint = _fingerprint(stores[0], secret)
        outcomes = await asyncio.gather(
            *(
                keys.begin(application.id, "race", fingerprint, DAY, client_secret=secret)
                for keys in stores
                for _ in range(10)
            )
        )
    finally:
        await replicas[1].close()
    assert sorted(o.outcome for o in outcomes).count(Outcome.PROCEED) == 1
    assert {o.outcome for o in outcomes} == {Outcome.PROCEED, Outcome.IN_PROGRESS}


async def test_expired_records_are_ignored_and_purged(
    store: Store, app_and_secret: tuple[Application, str]
) -> None:
    application, secret = app_and_secret
    keys = IdempotencyStore(store, master_key=MASTER)
    fingerprint = _fingerprint(keys, secret)
    expired = timedelta(seconds=-1)
    await keys.begin(application.id, "old", fingerprint, expired, client_secret=secret)
    await keys.complete(application.id, "old", 201, RESPONSE, client_secret=secret)
    again = await keys.begin(
        application.id, "old", _fingerprint(keys, secret, b"{}"), DAY, client_secret=secret
    )
    assert again.outcome is Outcome.PROCEED
    await keys.begin(application.id, "older", fingerprint, expired, client_secret=secret)
    assert await keys.purge_expired() == 1


async def test_a_claim_left_by_a_dead_process_is_taken_over_after_a_while(
    store: Store, app_and_secret: tuple[Application, str]
) -> None:
    application, secret = app_and_secret
    keys = IdempotencyStore(store, master_key=MASTER, lease=timedelta(0))
    fingerprint = _fingerprint(keys, secret)
    assert (
        await keys.begin(application.id, "k", fingerprint, DAY, client_secret=secret)
    ).outcome is Outcome.PROCEED
    assert (
        await keys.begin(application.id, "k", fingerprint, DAY, client_secret=secret)
    ).outcome is Outcome.PROCEED


async def test_a_claim_whose_owner_renews_its_lease_is_never_taken_over_and_lapses_once_it_stops(
    store: Store, app_and_secret: tuple[Application, str]
) -> None:
    application, secret = app_and_secret
    keys = IdempotencyStore(store, master_key=MASTER, lease=timedelta(milliseconds=300))
    fingerprint = _fingerprint(keys, secret)
    first = await keys.begin(application.id, "k", fingerprint, DAY, client_secret=secret)
    assert first.outcome is Outcome.PROCEED
    async with keys.renewing(application.id, "k", first):
        await asyncio.sleep(0.7)  # more than two leases: only the renewals keep it
        retry = await keys.begin(application.id, "k", fingerprint, DAY, client_secret=secret)
        assert retry.outcome is Outcome.IN_PROGRESS
    await asyncio.sleep(0.4)  # the owner is gone: its lease lapses
    assert (
        await keys.begin(application.id, "k", fingerprint, DAY, client_secret=secret)
    ).outcome is Outcome.PROCEED
    assert (
        await keys.begin(application.id, "k", fingerprint, DAY, client_secret=secret)
    ).outcome is Outcome.IN_PROGRESS, "exactly one retry takes a lapsed claim over"


async def test_keys_belong_to_one_application(store: Store, app_and_secret: tuple[Application, str]) -> None:
    application, secret = app_and_secret
    other, other_secret = await create_application(store, "Other")
    keys = IdempotencyStore(store, master_key=MASTER)
    await keys.begin(application.id, "shared", _fingerprint(keys, secret), DAY, client_secret=secret)
    await keys.complete(application.id, "shared", 201, RESPONSE, client_secret=secret)
    theirs = await keys.begin(
        other.id, "shared", _fingerprint(keys, other_secret), DAY, client_secret=other_secret
    )
    assert theirs.outcome is Outcome.PROCEED


async def test_stored_responses_and_fingerprints_reveal_no_request_or_response_content(
    store: Store, app_and_secret: tuple[Application, str]
) -> None:
    application, secret = app_and_secret
    keys = IdempotencyStore(store, master_key=MASTER)
    fingerprint = _fingerprint(keys, secret)
    assert b"Ada" not in fingerprint.encode() and len(fingerprint) == 64
    assert fingerprint != IdempotencyStore(store, master_key="other").fingerprint(
        "POST", "/api/emrs/cliniko/care-units/1/appointments", BODY, client_secret=secret
    )
    await keys.begin(application.id, "key-1", fingerprint, DAY, client_secret=secret)
    await keys.complete(application.id, "key-1", 201, RESPONSE, client_secret=secret)
    raw = await raw_contents(store)
    assert b"key-1" in raw
    assert b"sore knee" not in raw and b"Lovelace" not in raw
