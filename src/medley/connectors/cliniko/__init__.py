"""Cliniko connector: client.py (HTTP), mapping.py (JSON <-> domain), connector.py (the port)."""
