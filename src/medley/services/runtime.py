"""What a running gateway holds: settings, store, authenticator, connectors, locks."""

from __future__ import annotations

from dataclasses import dataclass

from medley.config import Settings
from medley.services.availability import AvailabilityReader
from medley.services.connector_pool import ConnectorPool
from medley.services.inbound import InboundPushes
from medley.services.locking import LockFactory
from medley.store.applications import Authenticator
from medley.store.audit import AuditWriter
from medley.store.database import Store
from medley.store.holds import HoldStore
from medley.store.idempotency import IdempotencyStore


@dataclass
class Runtime:
    settings: Settings
    store: Store
    authenticator: Authenticator
    connectors: ConnectorPool
    lock: LockFactory
    idempotency: IdempotencyStore
    audit: AuditWriter
    holds: HoldStore
    availability: AvailabilityReader | None = None
    inbound: InboundPushes | None = None  # calls from EHRs' own webhooks
