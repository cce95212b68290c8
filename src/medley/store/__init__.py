"""The gateway's own store: applications, their EHR connections (encrypted credentials), idempotency
records, cross-replica locks and the audit log. It never holds patient records."""
