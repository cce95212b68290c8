"""``Cache-Control: no-store`` on every answer that may carry patient data or clinical content.

The rule is deliberately coarse, so that no route can forget it: every response under the API prefixes, and
every problem document wherever it comes from (a problem may quote an id or an EHR's message). Browsers,
proxies and CDNs then keep none of it.
"""

from __future__ import annotations

NO_STORE = b"no-store"
PRIVATE_PREFIXES = ("/api", "/mcp")
_PROBLEM = b"application/problem+json"


def is_private(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PRIVATE_PREFIXES)


def no_store_applied(headers: list[tuple[bytes, bytes]], private: bool) -> list[tuple[bytes, bytes]]:
    """A response's headers with ``Cache-Control: no-store`` (replacing any other value) when the answer is
    private or a problem document; unchanged otherwise."""
    problem = any(k == b"content-type" and v.startswith(_PROBLEM) for k, v in headers)
    if not (private or problem):
        return headers
    kept = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
    kept.append((b"cache-control", NO_STORE))
    return kept
