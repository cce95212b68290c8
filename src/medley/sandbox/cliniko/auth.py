"""Who may call the emulator: Cliniko's HTTP Basic API-key check, its shard rule and its User-Agent rule.

The Basic user name is the API key, with or without its ``-<shard>`` suffix; the password is ignored.
A request sent to ``api.<shard>.cliniko.com`` for another shard is refused, as Cliniko does. Other
host names (localhost, an in-process transport, the gateway's mount) carry no shard and are not checked.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from starlette.responses import JSONResponse, PlainTextResponse, Response

from medley.sandbox.basic_auth import basic_credentials

DEFAULT_SHARD = "au1"
_KEY_SHARD = re.compile(r"-([a-z]{2}\d{1,2})$", re.IGNORECASE)
_SHARD_HOST = re.compile(r"^api\.([a-z]{2}\d{1,2})\.cliniko\.com(?::\d+)?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """The one API key the emulator accepts (Cliniko keys end in ``-<shard>``; older ones have none)."""

    value: str

    @property
    def shard(self) -> str:
        match = _KEY_SHARD.search(self.value)
        return match.group(1).lower() if match else DEFAULT_SHARD

    @property
    def without_shard(self) -> str:
        return _KEY_SHARD.sub("", self.value)

    def accepts(self, presented: str) -> bool:
        """True for the key itself or the key without its shard suffix (compared in constant time)."""
        given = presented.encode()
        full = hmac.compare_digest(given, self.value.encode())
        bare = hmac.compare_digest(given, self.without_shard.encode())
        return full or bare


def basic_user_name(authorization: str | None) -> str | None:
    """The user name of an ``Authorization: Basic`` header, or None when absent or malformed."""
    decoded = basic_credentials(authorization)
    if decoded is None:
        return None
    user_name, _, _password = decoded.partition(":")
    return user_name or None


def host_shard(host: str | None) -> str | None:
    """The shard named by a ``api.<shard>.cliniko.com`` host, or None for any other host."""
    if not host:
        return None
    match = _SHARD_HOST.match(host.strip())
    return match.group(1).lower() if match else None


def is_authorised(key: ApiKey, *, authorization: str | None, host: str | None) -> bool:
    user_name = basic_user_name(authorization)
    if user_name is None or not key.accepts(user_name):
        return False
    shard = host_shard(host)
    return shard is None or shard == key.shard


def has_user_agent(user_agent: str | None) -> bool:
    return bool(user_agent and user_agent.strip())


def access_denied() -> Response:
    """Rails' ``http_basic_authenticate`` answer, byte for byte."""
    return PlainTextResponse(
        "HTTP Basic: Access denied.\n",
        status_code=401,
        headers={"WWW-Authenticate": 'Basic realm="Application"'},
    )


def user_agent_required() -> Response:
    return JSONResponse({"message": "Requires a user agent"}, status_code=403)
