"""One router per Acuity resource, all mounted under ``/api/v1``."""
