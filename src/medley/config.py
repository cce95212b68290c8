"""Every setting Medley reads, in one place (environment variables ``MEDLEY_*``).

Defaults make ``medley serve`` work with no configuration at all: SQLite files under ``MEDLEY_DATA_DIR``
and the built-in sandbox practice. Production turns the sandbox off and sets a real master key.
"""

from __future__ import annotations

import ipaddress
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SANDBOX_API_KEY = "MS0xMjM0NTY3ODkwLXNhbmRib3gta2V5-au1"
DEFAULT_SANDBOX_ACUITY_USER_ID = "21904378"
"""The seeded Acuity practice's account id, the user name of its Basic auth."""
DEFAULT_SANDBOX_ACUITY_API_KEY = "acuity-sandbox-key-0b7c1e5d9a2f4c68"
DEFAULT_SANDBOX_CLIENT_ID = "sandbox"
DEFAULT_SANDBOX_CLIENT_SECRET = "sandbox-secret-change-me"  # noqa: S105 - documented public sandbox value
DEFAULT_MASTER_KEY = "medley-dev-master-key-not-for-production"


DEFAULT_DATA_DIR = Path("~/.local/share/medley")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDLEY_", env_file=None, extra="ignore")

    # Absolute once read (see ``_absolute_data_dir``), so ``medley serve`` and every other command find
    # the same store whatever directory they are run from.
    data_dir: Path = Field(
        default=DEFAULT_DATA_DIR,
        description="Where the embedded SQLite files live; the same for every command wherever it runs.",
    )
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
    sandbox_attachment_processing_seconds: float = Field(
        default=2.0, description="How long the Cliniko emulator takes to process an uploaded attachment (0: at once)."
    )

    # The Acuity emulator (docs/acuity-emulator.md).
    sandbox_acuity_user_id: str = DEFAULT_SANDBOX_ACUITY_USER_ID
    sandbox_acuity_api_key: SecretStr = SecretStr(DEFAULT_SANDBOX_ACUITY_API_KEY)
    sandbox_acuity_database_url: str | None = None
    sandbox_acuity_rate_limit_per_second: int = Field(default=10, description="Per source address; 0 turns it off.")
    sandbox_acuity_max_concurrent: int = Field(default=20, description="Per source address; 0 turns it off.")
    sandbox_acuity_latency_ms: int = 0
    sandbox_acuity_faults: str = Field(default="", description="Fault injection spec, see docs/acuity-emulator.md.")

    # Gateway behaviour.
    timeslot_default_days: int = 14
    timeslot_max_days: int = 62
    document_max_bytes: int = 10 * 1024 * 1024
    request_max_bytes: int = 16 * 1024 * 1024
    request_header_timeout_seconds: float = Field(
        default=10.0, description="A connection must send a request's headers within this, or is closed."
    )
    request_body_timeout_seconds: float = Field(
        default=30.0, description="A request's whole body must arrive within this, or it is refused (408)."
    )
    keep_alive_timeout_seconds: float = Field(
        default=5.0, description="An idle keep-alive connection is closed after this."
    )
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

    # The EHR's request budget (DESIGN §7; docs/operations.md, "The request budget").
    budget_write_share: float = Field(
        default=0.30, ge=0, le=1, description="Share of each key's limit reserved for writes (reads never take it)."
    )
    budget_sync_share: float = Field(
        default=0.15, ge=0, le=1, description="Share the background sync may use while others need the budget."
    )
    request_deadline_seconds: float = Field(
        default=30.0, gt=0, description="A client request's whole upstream time, queueing for the budget included."
    )
    read_concurrency: int = Field(
        default=4,
        ge=0,
        description="Client reads (GET under /api) a process runs at once, FIFO; writes are never held back, and "
        "a read waiting for the EHR gives its place up meanwhile. 0: no limit.",
    )

    # The scheduling mirror and its sync (docs/operations.md, "The scheduling mirror").
    sync_enabled: bool = Field(default=True, description="Run the sync in this process (serve and worker).")
    sync_interval_seconds: float = Field(default=10.0, description="Between two incremental syncs of a connection.")
    sync_reference_seconds: float = Field(default=300.0, description="Between two reads of reference data.")
    sync_reconcile_seconds: float = Field(default=1800.0, description="Between two full reconciles.")
    sync_lease_seconds: float = Field(default=30.0, description="How long a syncer holds a connection unrenewed.")
    ehr_webhooks: bool = Field(
        default=True,
        description="Register with an EHR's own webhooks (Acuity) where it can reach us: sandbox connections, and live "
        "ones when MEDLEY_PUBLIC_URL is set.",
    )
    sync_sample_seconds: float = Field(
        default=300.0, description="Between two comparisons of the EHR's own availability with the mirror (0: never)."
    )
    mirror_max_staleness_seconds: float = Field(
        default=60.0, description="How old the mirror may be before reads go to the EHR live."
    )
    mirror_free_time_days: int = Field(
        default=56,
        ge=1,
        le=120,
        description="Days ahead (today included) whose free time the mirror reads from an EHR that computes it "
        "itself (Acuity); reads reaching further go live.",
    )
    mirror_free_time_refresh_seconds: float = Field(
        default=1800.0,
        gt=0,
        description="Every free day read from such an EHR is read again at least this often: what its API does not "
        "report (hours, date edits, a service's settings) shows within this time.",
    )
    idempotency_lease_seconds: float = Field(
        default=30.0,
        description="An in-progress Idempotency-Key's lease, renewed while its request runs; a retry takes over "
        "a key whose lease lapsed (its server died). About the upstream deadline (2 x upstream timeout).",
    )
    write_hold_seconds: float = Field(
        default=120.0,
        description="How long an unconfirmed booking or move holds its time before one last look at the EHR "
        "may release it (DESIGN.md §3).",
    )
    auth_cache_seconds: float = 60.0
    auth_failures_per_minute: int = 20
    auth_address_failures_per_minute: int = Field(
        default=60, description="Failed authentications per source address and minute, whatever the client id."
    )
    auth_max_concurrent_hashes: int = Field(
        default=2,
        description="Slow secret verifications (Argon2: a core and 64 MiB each) at once; as many more may wait, "
        "beyond that 503 at once.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks (CIDR) of the proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; empty: none, the peer address is the client's.",
    )

    # Events and webhooks (docs/events-and-webhooks.md).
    event_retention_days: int = Field(default=30, description="How long the event log keeps an event.")
    webhook_timeout_seconds: float = Field(default=10.0, description="Per delivery attempt.")
    webhook_lease_seconds: float = Field(
        default=60.0, description="A claimed delivery's lease; kept above the attempt timeout."
    )
    webhook_retry_scale: float = Field(
        default=1.0, description="Multiplies the retry schedule (tests compress it, e.g. 0.001)."
    )
    webhook_secret_overlap_hours: float = Field(
        default=24.0, description="After a rotation, how long the old secret's signature is still sent."
    )
    webhook_poll_seconds: float = Field(default=0.25, description="How often an idle worker looks for work.")
    webhook_concurrency: int = Field(default=32, description="Deliveries one worker sends at once.")
    webhook_deliver_in_serve: bool = Field(
        default=True, description="`medley serve` delivers webhooks too; false leaves it to `medley worker`."
    )
    webhook_allow_private_urls: bool = Field(
        default=False, description="Allow http and private, loopback, link-local addresses (SSRF rules off)."
    )

    # The MCP server for AI agents at /mcp (docs/agents.md).
    mcp_allowed_hosts: str = Field(
        default="127.0.0.1:*,localhost:*,[::1]:*",
        description="Comma-separated Host header values /mcp answers (DNS-rebinding protection); `name:*` allows "
        "any port, `*` turns the check off (behind a proxy that checks hosts). The host of MEDLEY_PUBLIC_URL "
        "is always allowed.",
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for item in _items(value):
            ipaddress.ip_network(item, strict=False)  # a ValueError names the bad entry at start
        return value

    @property
    def trusted_proxy_list(self) -> list[str]:
        return _items(self.trusted_proxies)

    @property
    def mcp_allowed_host_list(self) -> list[str]:
        return _items(self.mcp_allowed_hosts)

    @cached_property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'medley.db'}"

    @cached_property
    def resolved_sandbox_database_url(self) -> str:
        return self.sandbox_database_url or f"sqlite+aiosqlite:///{self.data_dir / 'sandbox-cliniko.db'}"

    @cached_property
    def resolved_sandbox_acuity_database_url(self) -> str:
        """Its own setting, else the Cliniko emulator's database (its tables and versions are apart), else a file."""
        return (
            self.sandbox_acuity_database_url
            or self.sandbox_database_url
            or f"sqlite+aiosqlite:///{self.data_dir / 'sandbox-acuity.db'}"
        )


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def load_settings() -> Settings:
    return Settings()
