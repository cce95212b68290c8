"""What changed, whoever changed it: the event log per application and signed webhooks (DESIGN §6)."""
