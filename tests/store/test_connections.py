from __future__ import annotations

import dataclasses

import pytest

from medley.domain.errors import ErrorCode, MedleyError
from medley.store.applications import create_application
from medley.store.connections import add_connection, decrypt_credentials, get_connection, list_connections
from medley.store.crypto import DecryptionError
from medley.store.database import Store
from tests.store.conftest import raw_contents

MASTER = "test-master-key"
API_KEY = "MS0xMjM0LXNlY3JldC1jbGluaWtvLWtleQ-au2"


async def test_credentials_are_sealed_and_open_with_the_client_secret(store: Store) -> None:
    application, secret = await create_application(store, "App")
    added = await add_connection(
        store,
        application.id,
        secret,
        "cliniko",
        {"api_key": API_KEY},
        base_url="http://127.0.0.1:9999/v1",
        master_key=MASTER,
    )
    assert API_KEY not in repr(added)
    found = await get_connection(store, application.id, "cliniko")
    assert found == added
    assert (found.kind, found.base_url, found.label) == ("live", "http://127.0.0.1:9999/v1", "cliniko (live)")
    assert decrypt_credentials(found, master_key=MASTER, client_secret=secret) == {"api_key": API_KEY}
    raw = await raw_contents(store)
    assert application.id.encode() in raw
    assert API_KEY.encode() not in raw
    assert secret.encode() not in raw


async def test_neither_the_master_key_nor_the_secret_alone_opens_credentials(store: Store) -> None:
    application, secret = await create_application(store, "App")
    connection = await add_connection(
        store, application.id, secret, "cliniko", {"api_key": API_KEY}, master_key=MASTER
    )
    with pytest.raises(DecryptionError):
        decrypt_credentials(connection, master_key=MASTER, client_secret="not-the-secret")
    with pytest.raises(DecryptionError):
        decrypt_credentials(connection, master_key="not-the-master-key", client_secret=secret)


async def test_adding_needs_the_applications_own_secret(store: Store) -> None:
    application, _ = await create_application(store, "App")
    _, other_secret = await create_application(store, "Other")
    with pytest.raises(MedleyError) as caught:
        await add_connection(
            store, application.id, other_secret, "cliniko", {"api_key": API_KEY}, master_key=MASTER
        )
    assert caught.value.code is ErrorCode.UNAUTHORIZED
    with pytest.raises(MedleyError) as caught:
        await add_connection(
            store, "no-such-app", other_secret, "cliniko", {"api_key": API_KEY}, master_key=MASTER
        )
    assert caught.value.code is ErrorCode.NOT_FOUND
    assert await list_connections(store, application.id) == []


async def test_adding_again_replaces_the_connection_to_that_emr(store: Store) -> None:
    application, secret = await create_application(store, "App")
    await add_connection(store, application.id, secret, "cliniko", {"api_key": "old-key"}, master_key=MASTER)
    await add_connection(
        store,
        application.id,
        secret,
        "cliniko",
        {"api_key": "new-key"},
        master_key=MASTER,
        label="Main clinic",
    )
    connections = await list_connections(store, application.id)
    assert [c.label for c in connections] == ["Main clinic"]
    assert decrypt_credentials(connections[0], master_key=MASTER, client_secret=secret) == {
        "api_key": "new-key"
    }


async def test_one_application_never_sees_anothers_connection(store: Store) -> None:
    clinic_a, secret_a = await create_application(store, "Clinic A")
    clinic_b, secret_b = await create_application(store, "Clinic B")
    connection_a = await add_connection(
        store, clinic_a.id, secret_a, "cliniko", {"api_key": API_KEY}, master_key=MASTER
    )
    assert await get_connection(store, clinic_b.id, "cliniko") is None
    assert await list_connections(store, clinic_b.id) == []
    # B's secret cannot open A's credentials, even if A's sealed blob were copied onto a row of B's.
    with pytest.raises(DecryptionError):
        decrypt_credentials(connection_a, master_key=MASTER, client_secret=secret_b)
    moved = dataclasses.replace(connection_a, application_id=clinic_b.id)
    with pytest.raises(DecryptionError):
        decrypt_credentials(moved, master_key=MASTER, client_secret=secret_a)


@pytest.mark.parametrize(
    ("emr", "credentials", "base_url"),
    [
        ("Cliniko!", {"api_key": "k"}, None),
        ("cliniko", {}, None),
        ("cliniko", {"api_key": ""}, None),
        ("cliniko", {"api_key": "k"}, "ftp://x"),
    ],
    ids=["bad-emr-code", "no-credentials", "empty-key", "bad-base-url"],
)
async def test_invalid_connections_are_refused(
    store: Store, emr: str, credentials: dict[str, str], base_url: str | None
) -> None:
    application, secret = await create_application(store, "App")
    with pytest.raises(MedleyError) as caught:
        await add_connection(
            store, application.id, secret, emr, credentials, base_url=base_url, master_key=MASTER
        )
    assert caught.value.code is ErrorCode.BAD_REQUEST
