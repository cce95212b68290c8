"""How fresh a read's data is, in two response headers (docs/reference.md, "Freshness")."""

from __future__ import annotations

import math

from medley.services.availability import Freshness

DATA_SOURCE_HEADER = "Medley-Data-Source"
DATA_AGE_HEADER = "Medley-Data-Age"


def freshness_headers(freshness: Freshness) -> dict[str, str]:
    return {DATA_SOURCE_HEADER: freshness.source, DATA_AGE_HEADER: str(math.ceil(freshness.age_seconds))}
