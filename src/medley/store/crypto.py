"""Secrets and sealed data.

* Client secrets: Argon2id hashes, verified in constant time.
* Sealed data (EHR credentials, replayable responses): AES-256-GCM under a per-record key derived with
  HKDF-SHA256 from an application key ``HMAC-SHA256(master_key, client_secret)``. Neither the server's
  master key nor the client secret alone can open it. The additional data binds each ciphertext to its
  purpose and owner (application id, EHR code...), so a sealed value cannot be moved to another row.

Envelope (version 1): ``0x01 | salt (16) | nonce (12) | ciphertext+tag``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Sequence
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ENVELOPE_VERSION = 1
_SALT_BYTES = 16
_NONCE_BYTES = 12
_HEADER_BYTES = 1 + _SALT_BYTES + _NONCE_BYTES
_APPLICATION_KEY_LABEL = b"medley/application-key/v1\x00"

CLIENT_ID_PREFIX = "app_"

# RFC 9106's second recommended profile (argon2-cffi's default): t=3, m=64 MiB, p=4.
_hasher = PasswordHasher()


class DecryptionError(Exception):
    """The sealed value cannot be opened: wrong master key or client secret, or it was tampered with."""


def generate_client_secret() -> str:
    return secrets.token_urlsafe(32)


def generate_client_id() -> str:
    return CLIENT_ID_PREFIX + secrets.token_hex(10)


def hash_secret(secret: str) -> str:
    """Argon2id hash (slow on purpose: run it off the event loop)."""
    return _hasher.hash(secret)


def verify_secret(secret_hash: str, secret: str) -> bool:
    """Constant-time check of ``secret`` against an Argon2 hash; never raises for a bad secret or hash."""
    try:
        return _hasher.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def secret_hash_needs_update(secret_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(secret_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(32))


def spend_one_verification(secret: str) -> None:
    """Pay for one verification against a decoy hash, so an unknown client id takes as long as a known one."""
    verify_secret(_decoy_hash(), secret)


def _application_key(master_key: str, client_secret: str) -> bytes:
    message = _APPLICATION_KEY_LABEL + client_secret.encode()
    return hmac.new(master_key.encode(), message, hashlib.sha256).digest()


def _record_key(application_key: bytes, salt: bytes | None, purpose: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=f"medley/{purpose}/v1".encode())
    return hkdf.derive(application_key)


def _associated_data(purpose: str, context: Sequence[str]) -> bytes:
    # JSON keeps the fields unambiguous ("a|b" + "c" can never equal "a" + "b|c").
    return json.dumps(["medley", ENVELOPE_VERSION, purpose, *context], separators=(",", ":")).encode()


def seal(
    plaintext: bytes, *, master_key: str, client_secret: str, purpose: str, context: Sequence[str]
) -> bytes:
    """Encrypt ``plaintext`` for one application; ``context`` names its owner (e.g. app id and EHR code)."""
    salt = os.urandom(_SALT_BYTES)
    nonce = os.urandom(_NONCE_BYTES)
    key = _record_key(_application_key(master_key, client_secret), salt, purpose)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, _associated_data(purpose, context))
    return bytes([ENVELOPE_VERSION]) + salt + nonce + ciphertext


def unseal(
    envelope: bytes, *, master_key: str, client_secret: str, purpose: str, context: Sequence[str]
) -> bytes:
    """Decrypt what ``seal`` made with the same keys, purpose and context, or raise ``DecryptionError``."""
    if len(envelope) <= _HEADER_BYTES or envelope[0] != ENVELOPE_VERSION:
        raise DecryptionError("unknown or truncated envelope")
    salt = envelope[1 : 1 + _SALT_BYTES]
    nonce = envelope[1 + _SALT_BYTES : _HEADER_BYTES]
    key = _record_key(_application_key(master_key, client_secret), salt, purpose)
    try:
        return AESGCM(key).decrypt(nonce, envelope[_HEADER_BYTES:], _associated_data(purpose, context))
    except InvalidTag:
        raise DecryptionError("wrong key, or the sealed value was altered") from None


def keyed_digest(data: bytes, *, master_key: str, client_secret: str, purpose: str) -> str:
    """HMAC-SHA256 of ``data`` under the application's key: equal inputs compare equal, but nobody
    holding only the database can test a guess of the input."""
    key = _record_key(_application_key(master_key, client_secret), None, purpose)
    return hmac.new(key, data, hashlib.sha256).hexdigest()


# Data that a background worker must open with no client present (the sync's EHR credentials) is sealed
# under the master key alone: the application-key derivation with an empty secret and its own purpose.
_NO_CLIENT = ""


def seal_for_workers(plaintext: bytes, *, master_key: str, purpose: str, context: Sequence[str]) -> bytes:
    """Like ``seal``, but openable with the master key only (by ``medley worker``, never by a client)."""
    return seal(
        plaintext, master_key=master_key, client_secret=_NO_CLIENT, purpose=f"worker/{purpose}", context=context
    )


def unseal_for_workers(envelope: bytes, *, master_key: str, purpose: str, context: Sequence[str]) -> bytes:
    return unseal(
        envelope, master_key=master_key, client_secret=_NO_CLIENT, purpose=f"worker/{purpose}", context=context
    )
