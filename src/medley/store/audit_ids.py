"""Record ids as the audit trail keeps them: an EHR id verbatim, anything else as a keyed hash.

A path may name a patient by a national id (``nhs_number:…``, ``se_personal_number:…``), and a refused
request may carry any text at all: the trail must not become a register of national ids. Such a value is
kept as ``<type>#<HMAC-SHA256>`` under a key derived from the master key, so an operator who holds the key
can still find every event about one person (hash the id the same way), while a copy of the store cannot.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

EHR_ID_TYPE = "emr_id"
# Id types the public API knows (``api.ids.KNOWN_ID_TYPES``): they may label a hash; any other is "id".
NAMED_ID_TYPES = frozenset({"se_personal_number", "no_personal_number", "nhs_number", "hsa_id"})
_EHR_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_KEY_INFO = b"medley/audit-record-id/v1"
_DIGEST_CHARS = 32


def audit_id_key(master_key: str) -> bytes:
    """The HMAC key of hashed record ids, derived from the master key (and useless for anything else)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO)
    return hkdf.derive(master_key.encode())


def audited_id(raw: str, key: bytes) -> str:
    """``raw`` as the trail may keep it: a bare or ``emr_id:`` EHR id as the bare id, else a keyed hash."""
    kind, sep, value = raw.strip().partition(":")
    if not sep:
        kind, value = EHR_ID_TYPE, raw.strip()
    if kind == EHR_ID_TYPE and _EHR_ID.fullmatch(value):
        return value
    label = kind if kind in NAMED_ID_TYPES else "id"
    # The whole typed value is hashed, so equal ids of different types never share a digest.
    digest = hmac.new(key, f"{label}:{value}".encode(), hashlib.sha256).hexdigest()[:_DIGEST_CHARS]
    return f"{label}#{digest}"
