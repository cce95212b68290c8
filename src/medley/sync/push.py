"""Where an EHR pushes a connection's changes: ``POST /api/inbound/{emr}/{token}``.

The EHR's call carries none of our client credentials, so the URL itself names the connection, by a token
rather than its id: an HMAC of the connection id under a key derived from the master key. The token reveals
no id, cannot be made up without the master key, and needs no storage (the gateway finds the connection by
computing the tokens of its connections). It only routes: what proves a call came from the EHR is the
EHR's signature over the body, checked with the connection's own credentials.

Targets: a live connection's is under ``Settings.public_url`` (no public URL, no registration: the sync
alone sees changes); a sandbox connection's is on ``GATEWAY_INTERNAL_HOST``, which the embedded emulator
delivers to in-process (``medley serve`` routes that host to its own app), whatever address the gateway
listens on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from medley.config import Settings

GATEWAY_INTERNAL_HOST = "medley-gateway.internal"
INBOUND_PREFIX = "/api/inbound"
TOKEN_CHARS = 32  # 192 bits of the HMAC, URL-safe base64
_KEY_INFO = b"medley/inbound-webhook-token/v1"


def token_key(master_key: str) -> bytes:
    """The HMAC key of inbound tokens, derived from the master key (and useless for anything else)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(master_key.encode())


def inbound_token(key: bytes, connection_id: str) -> str:
    digest = hmac.new(key, connection_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:TOKEN_CHARS]


def push_target(settings: Settings, key: bytes, *, connection_id: str, emr: str, sandbox: bool) -> str | None:
    """The URL the EHR should call with this connection's changes; ``None`` when it has no way to reach us."""
    if not settings.ehr_webhooks:
        return None
    if sandbox:
        base = f"http://{GATEWAY_INTERNAL_HOST}"
    elif settings.public_url:
        base = settings.public_url.rstrip("/")
    else:
        return None
    return f"{base}{INBOUND_PREFIX}/{emr}/{inbound_token(key, connection_id)}"
