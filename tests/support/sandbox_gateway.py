"""What the tests that drive a ``medley serve`` in sandbox mode send it: the sandbox application's headers, and
the environment that takes every rate limit out of the way of tests that send bursts on purpose."""

from __future__ import annotations

from medley.config import DEFAULT_SANDBOX_CLIENT_ID, DEFAULT_SANDBOX_CLIENT_SECRET

SANDBOX_HEADERS = {
    "x-leyr-client-id": DEFAULT_SANDBOX_CLIENT_ID,
    "x-leyr-client-secret": DEFAULT_SANDBOX_CLIENT_SECRET,
}
# Neither the emulator's nor the client's rate limit may answer first.
UNLIMITED_ENV = {
    "MEDLEY_SANDBOX_RATE_LIMIT_PER_MINUTE": "1000000",
    "MEDLEY_UPSTREAM_REQUESTS_PER_MINUTE": "1000000",
}
