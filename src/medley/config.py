"""Every setting Medley reads, in one place (environment variables ``MEDLEY_*``).

Defaults make ``medley serve`` work with no configuration at all: SQLite files under ``MEDLEY_DATA_DIR``
and the built-in sandbox practice. Production turns the sandbox off and sets a real master key.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SANDBOX_API_KEY = "MS0xMjM0NTY3ODkwLXNhbmRib3gta2V5-au1"
DEFAULT_SANDBOX_CLIENT_ID = "sandbox"
DEFAULT_SANDBOX_CLIENT_SECRET = "sandbox-secret-change-me"  # noqa: S105 - documented public sandbox value
DEFAULT_MASTER_KEY = "medley-dev-master-key-not-for-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDLEY_", env_file=None, extra="ignore")

    data_dir: Path = Field(default=Path(".medley"), description="Where the embedded SQLite files live.")
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = Field(default=None, description="Base URL advertised in the OpenAPI `servers`.")
    log_level: str = "info"

    # The gateway's own store (applications, connections, idempotency, audit).
    database_url: str | None = None
    master_key: SecretStr = SecretStr(DEFAULT_MASTER_KEY)
    redis_url: str | None = Field(default=None, description="Shared state for replicas (rate budget, cache).")

    # The built-in sandbox application.
    sandbox: bool = True
    sandbox_client_id: str = DEFAULT_SANDBOX_CLIENT_ID
    sandbox_client_secret: SecretStr = SecretStr(DEFAULT_SANDBOX_CLIENT_SECRET)

    # The Cliniko emulator.
    sandbox_api_key: SecretStr = SecretStr(DEFAULT_SANDBOX_API_KEY)
    sandbox_database_url: str | None = None
    sandbox_rate_limit_per_minute: int = 200
    sandbox_latency_ms: int = 0
    sandbox_faults: str = Field(default="", description="Fault injection spec, see docs/operations.md.")

    # Gateway behaviour.
    timeslot_default_days: int = 14
    timeslot_max_days: int = 62
    document_max_bytes: int = 10 * 1024 * 1024
    request_max_bytes: int = 16 * 1024 * 1024
    upstream_timeout_seconds: float = 15.0
    upstream_max_retries: int = 3
    upstream_concurrency: int = 8
    upstream_requests_per_minute: int = Field(
        default=200, description="Client-side request budget per Cliniko key (Cliniko allows 200/min per user)."
    )
    upstream_user_agent: str | None = Field(
        default=None, description="User-Agent sent to Cliniko: name your product and a contact email."
    )
    reference_cache_seconds: float = 60.0
    timeslot_cache_seconds: float = Field(
        default=10.0, description="How long upstream availability answers are reused for reads (0 = never)."
    )
    idempotency_ttl_hours: int = 24
    auth_cache_seconds: float = 60.0
    auth_failures_per_minute: int = 20

    @cached_property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'medley.db'}"

    @cached_property
    def resolved_sandbox_database_url(self) -> str:
        return self.sandbox_database_url or f"sqlite+aiosqlite:///{self.data_dir / 'sandbox-cliniko.db'}"


def load_settings() -> Settings:
    return Settings()
