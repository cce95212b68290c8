"""The emulator's ``/v1`` routes, one module per Cliniko resource (assembled in ``application.py``)."""
