from __future__ import annotations

import pytest

from medley.store.crypto import (
    CLIENT_ID_PREFIX,
    ENVELOPE_VERSION,
    DecryptionError,
    generate_client_id,
    generate_client_secret,
    hash_secret,
    keyed_digest,
    seal,
    unseal,
    verify_secret,
)

MASTER = "server-master-key"
SECRET = "client-secret-of-application-a"
CONTEXT = ("app-a", "cliniko")


def _seal(plaintext: bytes = b'{"api_key":"k"}') -> bytes:
    return seal(plaintext, master_key=MASTER, client_secret=SECRET, purpose="credentials", context=CONTEXT)


def test_sealed_value_opens_with_both_keys() -> None:
    envelope = _seal(b"hello")
    assert envelope[0] == ENVELOPE_VERSION
    assert b"hello" not in envelope
    opened = unseal(envelope, master_key=MASTER, client_secret=SECRET, purpose="credentials", context=CONTEXT)
    assert opened == b"hello"


def test_each_seal_uses_fresh_salt_and_nonce() -> None:
    assert _seal(b"same") != _seal(b"same")


@pytest.mark.parametrize(
    ("master_key", "client_secret"),
    [(MASTER, "a-guessed-secret"), ("a-guessed-master-key", SECRET), ("", SECRET), (MASTER, "")],
    ids=["master-key-alone", "client-secret-alone", "empty-master-key", "empty-secret"],
)
def test_one_key_alone_cannot_open(master_key: str, client_secret: str) -> None:
    with pytest.raises(DecryptionError):
        unseal(
            _seal(),
            master_key=master_key,
            client_secret=client_secret,
            purpose="credentials",
            context=CONTEXT,
        )


@pytest.mark.parametrize(
    ("purpose", "context"),
    [
        ("credentials", ("app-b", "cliniko")),
        ("credentials", ("app-a", "other")),
        ("idempotency-response", CONTEXT),
        ("credentials", ("app-", "acliniko")),
    ],
)
def test_sealed_value_is_bound_to_its_owner_and_purpose(purpose: str, context: tuple[str, str]) -> None:
    with pytest.raises(DecryptionError):
        unseal(_seal(), master_key=MASTER, client_secret=SECRET, purpose=purpose, context=context)


def test_tampering_is_detected() -> None:
    envelope = bytearray(_seal())
    envelope[-1] ^= 1
    with pytest.raises(DecryptionError):
        unseal(
            bytes(envelope), master_key=MASTER, client_secret=SECRET, purpose="credentials", context=CONTEXT
        )
    with pytest.raises(DecryptionError):
        unseal(
            b"\x02" + bytes(envelope[1:]),
            master_key=MASTER,
            client_secret=SECRET,
            purpose="credentials",
            context=CONTEXT,
        )
    with pytest.raises(DecryptionError):
        unseal(b"\x01short", master_key=MASTER, client_secret=SECRET, purpose="credentials", context=CONTEXT)


def test_secret_hash_is_argon2id_and_verifies_only_the_right_secret() -> None:
    secret_hash = hash_secret(SECRET)
    assert secret_hash.startswith("$argon2id$")
    assert SECRET not in secret_hash
    assert verify_secret(secret_hash, SECRET)
    assert not verify_secret(secret_hash, SECRET + "x")
    assert not verify_secret("not-a-hash", SECRET)


def test_keyed_digest_depends_on_both_keys() -> None:
    digest = keyed_digest(b"body", master_key=MASTER, client_secret=SECRET, purpose="p")
    assert digest == keyed_digest(b"body", master_key=MASTER, client_secret=SECRET, purpose="p")
    assert digest != keyed_digest(b"body", master_key=MASTER, client_secret="other", purpose="p")
    assert digest != keyed_digest(b"body", master_key="other", client_secret=SECRET, purpose="p")


def test_generated_ids_and_secrets() -> None:
    client_id = generate_client_id()
    assert client_id.startswith(CLIENT_ID_PREFIX) and len(client_id) > len(CLIENT_ID_PREFIX) + 8
    secrets = {generate_client_secret() for _ in range(5)}
    assert len(secrets) == 5 and all(len(s) >= 43 for s in secrets)
