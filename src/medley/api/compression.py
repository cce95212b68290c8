"""gzip for large answers that are kept ready-compressed (timeslots from the mirror).

Two months of free time at a busy care unit is a few hundred kB of JSON and shrinks about tenfold. The
answer is compressed once and served many times (``sync/reader.RenderedSlots``), so compression costs the
read path nothing per request; clients that do not send ``Accept-Encoding: gzip`` get plain JSON.
"""

from __future__ import annotations

from starlette.requests import Request

MIN_COMPRESSED_BYTES = 1024  # below this, gzip's header and the client's inflating are not worth it
GZIP_HEADERS = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}


def accepts_gzip(request: Request) -> bool:
    """Whether the client accepts gzip (``Accept-Encoding: gzip`` without ``q=0``)."""
    for coding in request.headers.get("accept-encoding", "").lower().split(","):
        name, _, params = coding.partition(";")
        if name.strip() in ("gzip", "*"):
            quality = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
            try:
                return float(quality) > 0
            except ValueError:
                return False
    return False
