"""The Acuity Scheduling emulator: an Acuity-compatible REST API v1 over its own database, seeded with a
practice (a wellness clinic in Chicago).

Start with `server.AcuitySandbox` (``build_sandbox(settings)``); the behaviour, and every choice made
where Acuity's documentation is silent, is written down in ``docs/acuity-emulator.md``.
"""
