"""HTTP Basic as the emulators receive it: the ``user:password`` text of an ``Authorization`` header."""

from __future__ import annotations

import base64
import binascii


def basic_credentials(authorization: str | None) -> str | None:
    """The decoded ``user:password`` of an ``Authorization: Basic`` header, or None when absent or malformed.

    How the text splits, and what each part must be, is each emulator's own rule.
    """
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        return base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
