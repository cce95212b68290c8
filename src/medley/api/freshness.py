"""How fresh a read's data is, in two response headers (docs/reference.md, "Freshness")."""

from __future__ import annotations

import math

from starlette.responses import Response

from medley.services.availability import Freshness

DATA_SOURCE_HEADER = "Medley-Data-Source"
DATA_AGE_HEADER = "Medley-Data-Age"


def set_freshness(response: Response, freshness: Freshness) -> None:
    response.headers[DATA_SOURCE_HEADER] = freshness.source
    response.headers[DATA_AGE_HEADER] = str(math.ceil(freshness.age_seconds))
