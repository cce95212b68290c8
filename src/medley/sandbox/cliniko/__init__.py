"""The Cliniko emulator: a Cliniko-compatible API v1 over its own database, seeded with a practice.

Start with `server.ClinikoSandbox` (``build_sandbox(settings)``); the behaviour is documented in
``docs/cliniko-emulator.md``.
"""
