"""Medley: one REST API in front of clinics' practice-management systems."""

__version__ = "0.1.0"
