"""Who may call the emulator: HTTP Basic with the numeric user id as user name and the API key as password."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from medley.sandbox.basic_auth import basic_credentials


@dataclass(frozen=True, slots=True)
class Credentials:
    user_id: str
    api_key: str

    def accept(self, authorization: str | None) -> bool:
        """True for ``Authorization: Basic base64(user_id:api_key)``, compared in constant time."""
        presented = _basic_pair(authorization)
        if presented is None:
            return False
        user_id, api_key = presented
        same_user = hmac.compare_digest(user_id.encode(), self.user_id.encode())
        same_key = hmac.compare_digest(api_key.encode(), self.api_key.encode())
        return same_user and same_key


def _basic_pair(authorization: str | None) -> tuple[str, str] | None:
    decoded = basic_credentials(authorization)
    if decoded is None:
        return None
    user_id, separator, api_key = decoded.partition(":")
    return (user_id, api_key) if separator else None
