"""The Acuity Scheduling connector (REST API v1): ``client``, ``errors``, ``mapping``, ``practice``,
``timeslots``, ``patients`` and ``connector``."""
